package asynckit

import "asynckit.dev/go/asynckit/internal/capi"

// Do runs fn on pool p (nil: DefaultPool) and returns its value, which fn's result sets (C
// ak_pool_do). If fn returns an error the value fails with it: its text becomes the message,
// errors.As on the value's error gets it back, and its code is CodeWork unless the error wraps an
// *Error, whose Code is used. A panic in fn is recovered and fails the value with a *PanicError.
// If the pool refuses the work (closed: ErrShutdown; nil fn: ErrInvalid) the value fails at once.
//
// Called from inside work running on p, the new task goes to the calling worker's own queue.
func Do[T any](p *Pool, fn func() (T, error)) *Value[T] {
	if fn == nil {
		return failed[T](CodeInvalid, nil)
	}
	return submit[T](p, nil, func(capi.Task) (any, error) { return fn() })
}

// Task is running work's view of itself (DoTask). It is valid only during the call.
type Task struct {
	t capi.Task
}

// Cancelled reports whether the task's value was cancelled while running or its pool is being
// shut down with cancellation. Long work should poll it and return, for example, ErrCanceled.
// False once the work has returned.
func (t *Task) Cancelled() bool {
	return t.t.Cancelled()
}

// DoTask is Do for work that wants its Task, to poll Cancelled.
func DoTask[T any](p *Pool, fn func(*Task) (T, error)) *Value[T] {
	if fn == nil {
		return failed[T](CodeInvalid, nil)
	}
	return submit[T](p, nil, func(ct capi.Task) (any, error) {
		t := &Task{t: ct}
		defer func() { t.t = capi.Task{} }()
		return fn(t)
	})
}

// DoAfter runs fn on pool p (nil: DefaultPool) once every value in deps is set, and returns its
// value (C ak_pool_do_after: dataflow submit). fn reads the dependencies itself (their Get
// returns at once). If a dependency fails, fn never runs and the value fails with that
// dependency's code, the message "input <i> failed: <its message>" for the lowest failed index i
// (the error's FailedIndex), and its Go error to unwrap. fn's own failure and panics are as for
// Do. The dependencies may be used and released meanwhile: the task holds its own references.
func DoAfter[T any](p *Pool, deps []Future, fn func() (T, error)) *Value[T] {
	if fn == nil {
		return failed[T](CodeInvalid, nil)
	}
	return submit[T](p, deps, func(capi.Task) (any, error) { return fn() })
}

// After is DoAfter under its first name.
//
// Deprecated: use DoAfter, which is named after C's ak_pool_do_after and does not read like
// time.After. After stays for existing code and behaves the same.
func After[T any](p *Pool, deps []Future, fn func() (T, error)) *Value[T] {
	return DoAfter[T](p, deps, fn)
}

func submit[T any](p *Pool, deps []Future, work func(capi.Task) (any, error)) *Value[T] {
	p = p.orDefault()
	if p == nil {
		return failed[T](CodeNoMemory, nil)
	}
	var cs []capi.Value
	var links []*core
	if len(deps) > 0 {
		var unlock func()
		var ok bool
		cs, links, unlock, ok = lockFutures(deps)
		defer unlock()
		if !ok {
			return failed[T](CodeInvalid, nil)
		}
	}
	core := newCore(kindTask, p, links)
	core.work = work
	h := capi.NewHandle(core)
	var c capi.Value
	var rc int
	p.mu.RLock()
	switch {
	case p.c.IsNil():
		rc = CodeShutdown
	case len(cs) == 0:
		c, rc = capi.Do(p.c, h)
	default:
		c, rc = capi.DoAfter(p.c, cs, h)
	}
	p.mu.RUnlock()
	return submitted[T](rc, h, c, core)
}
