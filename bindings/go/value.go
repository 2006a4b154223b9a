package asynckit

import (
	"context"
	"runtime"
	"sync"

	"asynckit.dev/go/asynckit/internal/capi"
)

// Value is the eventual result of work (a future): set once, with a result of type T or a
// failure. Get and Wait wait for it with a context; Done gives a channel for select.
//
// A Value holds a reference to the library's value, which holds the result. Release drops it;
// a Value that becomes unreachable is released by a finalizer, so a Value dropped unread frees
// its result, but Release frees it at a known time. All methods are safe for concurrent use.
type Value[T any] struct {
	mu   sync.RWMutex // read-held while c is used; write-held by Release
	c    capi.Value   // NULL after Release
	core *core
	// decode turns the raw result of c (or of a task input taken from c) into a T: one handle,
	// or for a join list one raw result per element.
	decode func(c capi.Value, raws []uintptr) T
	join   bool // a join list: its raw result is an array of its elements' raw results
}

func newValue[T any](c capi.Value, core *core) *Value[T] {
	v := &Value[T]{c: c, core: core, decode: decodeHandle[T]}
	runtime.SetFinalizer(v, (*Value[T]).Release)
	return v
}

func decodeHandle[T any](_ capi.Value, raws []uintptr) T {
	var x T
	if len(raws) == 1 && raws[0] != 0 {
		x, _ = capi.Handle(raws[0]).Value().(T)
	}
	return x
}

// rawsOf expands the raw result of a value made by decode's owner: a join list's array becomes
// one raw result per element.
func rawsOf(c capi.Value, raw uintptr, join bool) []uintptr {
	if !join {
		return []uintptr{raw}
	}
	raws := make([]uintptr, c.ListSize())
	if raw != 0 {
		capi.ReadArray(raw, raws)
	}
	return raws
}

// watch registers the done callback for a value made by Go, with core behind a new handle.
func watch[T any](c capi.Value, core *core) *Value[T] {
	h := capi.NewHandle(core)
	if rc := c.Watch(h); rc != 0 {
		if rc == capi.ELOST {
			panic("asynckit: out of memory registering a done callback")
		}
		h.Delete()
		c.Release()
		return failed[T](rc, nil)
	}
	return newValue[T](c, core)
}

// failed makes a value that has failed already, with code, the library's text and cause.
func failed[T any](code int, cause error) *Value[T] {
	c, rc := capi.NewValue()
	if rc != 0 {
		panic("asynckit: out of memory making a value")
	}
	core := newCore(kindPromise, nil, nil)
	core.err = cause
	v := watch[T](c, core)
	// v.c, not c: if watch failed, it released c and v is another value, failed already.
	v.c.Fail(code, StatusText(code))
	return v
}

// submitted wraps the outcome of capi.Do and friends.
func submitted[T any](rc int, h capi.Handle, c capi.Value, core *core) *Value[T] {
	switch rc {
	case 0:
		return newValue[T](c, core)
	case capi.ELOST:
		panic("asynckit: out of memory registering a done callback")
	default:
		h.Delete() // the work never runs
		return failed[T](rc, nil)
	}
}

// Get waits for v to be set and returns its result, or its failure as an *Error. If ctx ends
// first, Get returns ctx.Err() and v is unchanged. Called from inside work on a pool, the wait
// runs other queued work of that pool meanwhile, so nested waits do not deadlock the pool.
func (v *Value[T]) Get(ctx context.Context) (T, error) {
	var zero T
	if err := v.waitSet(ctx); err != nil {
		return zero, err
	}
	v.mu.RLock()
	if v.c.IsNil() {
		v.mu.RUnlock()
		if err := v.core.failure(); err != nil {
			return zero, err
		}
		return zero, errReleased()
	}
	raw, rc := v.c.GetNow()
	var x T
	if rc == 0 {
		x = v.decode(v.c, rawsOf(v.c, raw, v.join))
	}
	v.mu.RUnlock()
	if rc != 0 {
		return zero, v.core.failure()
	}
	return x, nil
}

// Wait waits for v to be set and returns nil if it succeeded, its failure as an *Error if not,
// or ctx.Err() if ctx ends first. It works after Release too.
func (v *Value[T]) Wait(ctx context.Context) error {
	if err := v.waitSet(ctx); err != nil {
		return err
	}
	return v.core.failure()
}

// Done returns a channel closed once v is set (by the library's done callback), for select.
func (v *Value[T]) Done() <-chan struct{} { return v.core.done }

// IsSet reports whether v is set, with a result or a failure. It never blocks.
func (v *Value[T]) IsSet() bool {
	v.mu.RLock()
	defer v.mu.RUnlock()
	if !v.c.IsNil() {
		return v.c.IsSet()
	}
	select {
	case <-v.core.done:
		return true
	default:
		return false
	}
}

// Cancel cancels v. Work that has not started never runs and v fails with ErrCanceled; an unset
// promise, Join or Any fails with ErrCanceled (their elements are untouched). Both return nil.
// Running work gets the flag Task.Cancelled reads and Cancel returns ErrState, as it does for a
// value already set.
func (v *Value[T]) Cancel() error {
	if v.core.kind == kindPromise {
		v.core.mu.Lock()
		defer v.core.mu.Unlock()
	}
	v.mu.RLock()
	defer v.mu.RUnlock()
	if v.c.IsNil() {
		return errReleased()
	}
	if rc := v.c.Cancel(); rc != 0 {
		return newError(rc)
	}
	return nil
}

// Release drops v's reference to the library's value; the last reference frees the result.
// Pending work still runs. Releasing an unset promise's last reference fails it with
// ErrCanceled. After Release, Done and Wait still work, Get returns the failure or an ErrInvalid
// error, and other methods return ErrInvalid errors. Release is idempotent.
func (v *Value[T]) Release() {
	v.mu.Lock()
	c := v.c
	v.c = capi.Value{}
	v.mu.Unlock()
	if !c.IsNil() {
		c.Release()
		runtime.SetFinalizer(v, nil)
	}
}
