package asynckit

import "asynckit.dev/go/asynckit/internal/capi"

// Chain runs fn on v's result once v is set, on v's pool (for a promise, or a list of promises,
// DefaultPool), and returns fn's value (C ak_chain). If v fails, fn never runs and the value
// fails with v's code, the message "input 0 failed: <v's message>" and v's Go error to unwrap.
// fn's own failure and panics are as for Do. v may be released meanwhile.
func Chain[T, U any](v *Value[T], fn func(T) (U, error)) *Value[U] {
	return chain(nil, v, fn)
}

// Then is Chain under its first name, kept for existing code; it behaves the same. New code
// should use Chain, the name C (ak_chain), Python and Lua give it.
func Then[T, U any](v *Value[T], fn func(T) (U, error)) *Value[U] {
	return chain(nil, v, fn)
}

// ChainOn is Chain on pool p (nil: DefaultPool) instead of v's pool (C ak_chain_on): for work
// that belongs elsewhere than what computed its input. If p is closed the value fails with
// ErrShutdown, at once or, if p closes before v is set, then.
func ChainOn[T, U any](p *Pool, v *Value[T], fn func(T) (U, error)) *Value[U] {
	if v == nil || fn == nil {
		return failed[U](CodeInvalid, nil)
	}
	if p = p.orDefault(); p == nil {
		return failed[U](CodeNoMemory, nil)
	}
	return chain(p, v, fn)
}

// chain continues v on p, or on v's pool for a nil p.
func chain[T, U any](p *Pool, v *Value[T], fn func(T) (U, error)) *Value[U] {
	if v == nil || fn == nil {
		return failed[U](CodeInvalid, nil)
	}
	v.mu.RLock()
	defer v.mu.RUnlock()
	prev := v.c
	if prev.IsNil() {
		return failed[U](CodeInvalid, errReleased())
	}
	decode, join := v.decode, v.join
	pool := v.core.pool
	if p != nil {
		pool = p
	}
	core := newCore(kindChain, pool, []*core{v.core})
	core.work = func(t capi.Task) (any, error) {
		// The task holds a reference to prev until it has run, so its results are valid here.
		raws := make([]uintptr, t.InputCount())
		for i := range raws {
			raws[i] = t.Input(i)
		}
		if !join && len(raws) != 1 {
			raws = []uintptr{0}
		}
		return fn(decode(prev, raws))
	}
	h := capi.NewHandle(core)
	var c capi.Value
	var rc int
	if p == nil {
		c, rc = capi.Chain(prev, h)
	} else {
		p.mu.RLock()
		if p.c.IsNil() {
			rc = CodeShutdown
		} else {
			c, rc = capi.ChainOn(p.c, prev, h)
		}
		p.mu.RUnlock()
	}
	return submitted[U](rc, h, c, core)
}
