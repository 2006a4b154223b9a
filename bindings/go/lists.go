package asynckit

import (
	"context"
	"sync"

	"asynckit.dev/go/asynckit/internal/capi"
)

// Future is any *Value[T] (or *Promise[T]), whatever T: what DoAfter waits for.
type Future interface {
	Done() <-chan struct{}
	IsSet() bool
	Wait(ctx context.Context) error
	Cancel() error
	Release()
	future() (*sync.RWMutex, *capi.Value, *core)
}

func (v *Value[T]) future() (*sync.RWMutex, *capi.Value, *core) { return &v.mu, &v.c, v.core }

// lockFutures read-locks each future and collects its C value and core; ok is false if one is
// nil or released. unlock must be called (after the C values are passed on) in any case.
func lockFutures(fs []Future) (cs []capi.Value, links []*core, unlock func(), ok bool) {
	locked := make([]*sync.RWMutex, 0, len(fs))
	unlock = func() {
		for _, mu := range locked {
			mu.RUnlock()
		}
	}
	cs = make([]capi.Value, len(fs))
	links = make([]*core, len(fs))
	for i, f := range fs {
		if f == nil {
			return nil, nil, unlock, false
		}
		mu, c, core := f.future()
		mu.RLock()
		locked = append(locked, mu)
		if c.IsNil() {
			return nil, nil, unlock, false
		}
		cs[i], links[i] = *c, core
	}
	return cs, links, unlock, true
}

// Join returns a value set once every value in vs is set, with their results in order (C
// ak_list_join). If one fails, the join fails with the code of the lowest-index failed value,
// the message "element <i> failed: <its message>" (as soon as every value before it is set), i
// as the error's FailedIndex, and its Go error to unwrap. Join of nothing is set at once with an
// empty slice. The values may be released meanwhile.
func Join[T any](vs ...*Value[T]) *Value[[]T] {
	fs := make([]Future, len(vs))
	for i, v := range vs {
		if v == nil {
			return failed[[]T](CodeInvalid, nil)
		}
		fs[i] = v
	}
	cs, links, unlock, ok := lockFutures(fs)
	defer unlock()
	if !ok {
		return failed[[]T](CodeInvalid, errReleased())
	}
	c, rc := capi.ListJoin(cs)
	if rc != 0 {
		return failed[[]T](rc, nil)
	}
	out := watch[[]T](c, newCore(kindJoin, firstPool(links), links))
	decoders, joins := elementDecoders(vs)
	out.join = true
	out.decode = func(list capi.Value, raws []uintptr) []T {
		r := make([]T, len(raws))
		for i, raw := range raws {
			el := list.ListAt(i)
			r[i] = decoders[i](el, rawsOf(el, raw, joins[i]))
		}
		return r
	}
	return out
}

// Any returns a value set by the first of vs to be set: with its result, or its failure (code,
// message, Go error, and that value's index as the error's FailedIndex) (C ak_list_any). Any of
// nothing fails with ErrInvalid. The values may be released meanwhile. Any does not cancel the
// others.
func Any[T any](vs ...*Value[T]) *Value[T] {
	if len(vs) == 0 {
		return failed[T](CodeInvalid, nil)
	}
	fs := make([]Future, len(vs))
	for i, v := range vs {
		if v == nil {
			return failed[T](CodeInvalid, nil)
		}
		fs[i] = v
	}
	cs, links, unlock, ok := lockFutures(fs)
	defer unlock()
	if !ok {
		return failed[T](CodeInvalid, errReleased())
	}
	c, rc := capi.ListAny(cs)
	if rc != 0 {
		return failed[T](rc, nil)
	}
	out := watch[T](c, newCore(kindAny, firstPool(links), links))
	decoders, joins := elementDecoders(vs)
	out.decode = func(list capi.Value, raws []uintptr) T {
		index, rc := list.ListAnyIndex()
		if rc != 0 || len(raws) != 1 {
			var zero T
			return zero
		}
		el := list.ListAt(index)
		return decoders[index](el, rawsOf(el, raws[0], joins[index]))
	}
	return out
}

func elementDecoders[T any](vs []*Value[T]) ([]func(capi.Value, []uintptr) T, []bool) {
	decoders := make([]func(capi.Value, []uintptr) T, len(vs))
	joins := make([]bool, len(vs))
	for i, v := range vs {
		decoders[i], joins[i] = v.decode, v.join
	}
	return decoders, joins
}

func firstPool(links []*core) *Pool {
	for _, l := range links {
		if l.pool != nil {
			return l.pool
		}
	}
	return nil
}
