package asynckit

import "asynckit.dev/go/asynckit/internal/capi"

// Promise is a value set by hand, with Set or Fail, from any goroutine (a C value made with
// ak_value_new). It embeds its *Value: use it with Get, Chain, Join and the rest.
type Promise[T any] struct {
	*Value[T]
}

// NewPromise makes an unset promise. Dropping the last reference to an unset promise (Release, or
// the finalizer) fails it with ErrCanceled, so work that depends on it does not wait forever.
func NewPromise[T any]() *Promise[T] {
	c, rc := capi.NewValue()
	if rc != 0 {
		panic("asynckit: out of memory making a promise")
	}
	return &Promise[T]{watch[T](c, newCore(kindPromise, nil, nil))}
}

// Set sets the promise with x: waiters wake and dependent work is scheduled. ErrState if it is
// set already (by Set, Fail or Cancel).
func (p *Promise[T]) Set(x T) error {
	p.core.mu.Lock()
	defer p.core.mu.Unlock()
	p.mu.RLock()
	defer p.mu.RUnlock()
	if p.c.IsNil() {
		return errReleased()
	}
	h := capi.NewHandle(x)
	if rc := p.c.Set(h); rc != 0 {
		h.Delete()
		return newError(rc)
	}
	return nil
}

// Fail fails the promise with err: its text is the message, errors.As on the value's error gets
// err back, and the code is CodeWork unless err wraps an *Error, whose Code is used. ErrState if
// it is set already; ErrInvalid for a nil err.
func (p *Promise[T]) Fail(err error) error {
	if err == nil {
		return newError(CodeInvalid)
	}
	p.core.mu.Lock()
	defer p.core.mu.Unlock()
	p.mu.RLock()
	defer p.mu.RUnlock()
	if p.c.IsNil() {
		return errReleased()
	}
	// Under core.mu nothing else sets the promise, and our reference keeps it from being
	// abandoned: if it is unset now, the fail below succeeds.
	if p.c.IsSet() {
		return newError(CodeState)
	}
	p.core.err = err // before the fail, which wakes waiters
	if rc := p.c.Fail(codeOf(err), err.Error()); rc != 0 {
		return newError(rc)
	}
	return nil
}
