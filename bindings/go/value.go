package asynckit

/*
#include <stdlib.h>
#include "akgo.h"
*/
import "C"

import (
	"context"
	"runtime"
	"runtime/cgo"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"
)

// How a value is made, which says where its failure can come from.
type kind uint8

const (
	kindTask    kind = iota // Do, DoTask, After: Go work, with inputs for After
	kindChain               // Then: Go work on the result of one value
	kindJoin                // Join: a join list
	kindAny                 // Any: an any-list
	kindPromise             // NewPromise, and values that failed on creation
)

// core is the Go side of one C value, shared by the Value and the done callback. A cgo.Handle to
// it is the C value's done-callback argument (and, for work, the work's argument) from the
// value's creation until it is set; the done callback deletes that handle. Nothing in C points
// at Go memory.
type core struct {
	kind kind
	done chan struct{} // closed by the done callback
	pool *Pool         // the pool that runs the work (nil: none or the default); kept reachable

	// work is the Go function a task runs; cleared when it runs or the value is set.
	work func(*C.ak_task) (any, error)
	// err is the Go error behind a failure: returned by the work (set before the value is set)
	// or given to Promise.Fail (set under mu before the value is failed).
	err error
	// links are the values whose failure this one takes on, in input order: Then's value, After's
	// dependencies, the elements of Join and Any. Dropped once this value succeeds.
	links []*core
	mu    sync.Mutex // promises: serialises Set, Fail and Cancel

	// Recorded by the done callback before done is closed.
	status   int
	msg      string
	anyIndex int
}

func newCore(k kind, p *Pool, links []*core) *core {
	return &core{kind: k, done: make(chan struct{}), pool: p, links: links, anyIndex: -1}
}

// finish records the outcome; called once by the done callback.
func (c *core) finish(status int, msg string, anyIndex int) {
	c.work = nil
	c.status = status
	c.anyIndex = anyIndex
	if status == 0 {
		c.links = nil // nothing left to explain
	} else {
		c.msg = msg
	}
	close(c.done)
}

// failure is the error of a value that is set (on the C side); nil if it succeeded. It waits for
// the done callback, which the thread that set the value runs right after setting it.
func (c *core) failure() error {
	<-c.done
	if c.status == 0 {
		return nil
	}
	return &Error{Code: c.status, Message: c.msg, cause: c.cause()}
}

// linkWait bounds the wait for an input's done callback while explaining a failure. The input
// is known to be set, so its callback is due at once; the bound only guards against a message
// that merely looks like the library's "input <i> failed: ".
const linkWait = 10 * time.Second

// cause finds the Go error a failure started from: this value's own, or, for a failure taken
// on from an input, that input's. c must be done.
func (c *core) cause() error {
	if c.err != nil {
		return c.err
	}
	i := -1
	switch c.kind {
	case kindAny:
		i = c.anyIndex
	case kindJoin:
		i = parseFailedIndex(c.msg, "element ")
	case kindChain:
		if len(c.links) == 1 && parseFailedIndex(c.msg, "input ") >= 0 {
			i = 0 // on a join list the index is the list's element, which the list explains
		}
	case kindTask:
		i = parseFailedIndex(c.msg, "input ")
	}
	if i < 0 || i >= len(c.links) {
		return nil
	}
	l := c.links[i]
	t := time.NewTimer(linkWait)
	defer t.Stop()
	select {
	case <-l.done:
	case <-t.C:
		return nil
	}
	if l.status != c.status {
		return nil
	}
	return l.cause()
}

// liveHandles counts the cgo.Handles this package holds (works, done callbacks, results).
var liveHandles atomic.Int64

func newHandle(x any) cgo.Handle {
	liveHandles.Add(1)
	return cgo.NewHandle(x)
}

func deleteHandle(h cgo.Handle) {
	h.Delete()
	liveHandles.Add(-1)
}

// runWork runs work, turning a panic into a *PanicError.
func runWork(work func(*C.ak_task) (any, error), t *C.ak_task) (r any, err error) {
	defer func() {
		if p := recover(); p != nil {
			stack := make([]byte, 64<<10)
			stack = stack[:runtime.Stack(stack, false)]
			r, err = nil, &PanicError{Value: p, Stack: stack}
		}
	}()
	if work == nil { // cannot happen: a task runs once, and only Do and friends make tasks
		return nil, &Error{Code: CodeState, Message: "asynckit: work ran twice"}
	}
	return work(t)
}

// Value is the eventual result of work (a future): set once, with a result of type T or a
// failure. Get and Wait wait for it with a context; Done gives a channel for select.
//
// A Value holds a reference to the library's value, which holds the result. Release drops it;
// a Value that becomes unreachable is released by a finalizer, so a Value dropped unread frees
// its result, but Release frees it at a known time. All methods are safe for concurrent use.
type Value[T any] struct {
	mu   sync.RWMutex // read-held while c is used; write-held by Release
	c    *C.ak_value  // nil after Release
	core *core
	// decode turns the raw result of c (or of a task input taken from c) into a T: one handle,
	// or for a join list one raw result per element.
	decode func(c *C.ak_value, raws []C.uintptr_t) T
	join   bool // a join list: its raw result is an array of its elements' raw results
}

func newValue[T any](c *C.ak_value, core *core) *Value[T] {
	v := &Value[T]{c: c, core: core, decode: decodeHandle[T]}
	runtime.SetFinalizer(v, (*Value[T]).Release)
	return v
}

func decodeHandle[T any](_ *C.ak_value, raws []C.uintptr_t) T {
	var x T
	if len(raws) == 1 && raws[0] != 0 {
		x, _ = cgo.Handle(raws[0]).Value().(T)
	}
	return x
}

// rawsOf expands the raw result of a value made by decode's owner: a join list's array becomes
// one raw result per element.
func rawsOf(c *C.ak_value, raw C.uintptr_t, join bool) []C.uintptr_t {
	if !join {
		return []C.uintptr_t{raw}
	}
	n := C.ak_list_size(c)
	raws := make([]C.uintptr_t, int(n))
	if n > 0 && raw != 0 {
		C.akgo_read_array(raw, &raws[0], n)
	}
	return raws
}

// watch registers the done callback for a value made by Go, with core behind a new handle.
func watch[T any](c *C.ak_value, core *core) *Value[T] {
	h := newHandle(core)
	if rc := C.akgo_watch(c, C.uintptr_t(h)); rc != 0 {
		if rc == C.AKGO_ELOST {
			panic("asynckit: out of memory registering a done callback")
		}
		deleteHandle(h)
		C.ak_value_release(c)
		return failed[T](rc, nil)
	}
	return newValue[T](c, core)
}

// failed makes a value that has failed already, with code, the library's text and cause.
func failed[T any](code C.int, cause error) *Value[T] {
	var c *C.ak_value
	if rc := C.ak_value_new(&c); rc != 0 {
		panic("asynckit: out of memory making a value")
	}
	core := newCore(kindPromise, nil, nil)
	core.err = cause
	v := watch[T](c, core)
	C.ak_value_fail(c, code, C.ak_strerror(code))
	return v
}

// submitted wraps the outcome of akgo_do and friends.
func submitted[T any](rc C.int, h cgo.Handle, c *C.ak_value, core *core) *Value[T] {
	switch rc {
	case 0:
		return newValue[T](c, core)
	case C.AKGO_ELOST:
		panic("asynckit: out of memory registering a done callback")
	default:
		deleteHandle(h) // the work never runs
		return failed[T](rc, nil)
	}
}

// Do runs fn on pool p (nil: DefaultPool) and returns its value, which fn's result sets. If fn
// returns an error the value fails with it: its text becomes the message, errors.As on the
// value's error gets it back, and its code is CodeWork unless the error wraps an *Error, whose
// Code is used. A panic in fn is recovered and fails the value with a *PanicError. If the pool
// refuses the work (closed: ErrShutdown; nil fn: ErrInvalid) the value fails at once.
//
// Called from inside work running on p, the new task goes to the calling worker's own queue.
func Do[T any](p *Pool, fn func() (T, error)) *Value[T] {
	if fn == nil {
		return failed[T](C.AK_EINVAL, nil)
	}
	return submit[T](p, nil, func(*C.ak_task) (any, error) { return fn() })
}

// Task is running work's view of itself (DoTask). It is valid only during the call.
type Task struct {
	t *C.ak_task
}

// Cancelled reports whether the task's value was cancelled while running or its pool is being
// shut down with cancellation. Long work should poll it and return, for example, ErrCanceled.
// False once the work has returned.
func (t *Task) Cancelled() bool {
	return t.t != nil && C.ak_task_cancelled(t.t) != 0
}

// DoTask is Do for work that wants its Task, to poll Cancelled.
func DoTask[T any](p *Pool, fn func(*Task) (T, error)) *Value[T] {
	if fn == nil {
		return failed[T](C.AK_EINVAL, nil)
	}
	return submit[T](p, nil, func(ct *C.ak_task) (any, error) {
		t := &Task{t: ct}
		defer func() { t.t = nil }()
		return fn(t)
	})
}

// Future is any *Value[T] (or *Promise[T]), whatever T: what After waits for.
type Future interface {
	Done() <-chan struct{}
	IsSet() bool
	Wait(ctx context.Context) error
	Cancel() error
	Release()
	future() (*sync.RWMutex, **C.ak_value, *core)
}

func (v *Value[T]) future() (*sync.RWMutex, **C.ak_value, *core) { return &v.mu, &v.c, v.core }

// After runs fn on pool p (nil: DefaultPool) once every value in deps is set, and returns its
// value. fn reads the dependencies itself (their Get returns at once). If a dependency fails, fn
// never runs and the value fails with that dependency's code, the message "input <i> failed:
// <its message>" for the lowest failed index i, and its Go error to unwrap. fn's own failure and
// panics are as for Do. The dependencies may be used and released meanwhile: the task holds its
// own references.
func After[T any](p *Pool, deps []Future, fn func() (T, error)) *Value[T] {
	if fn == nil {
		return failed[T](C.AK_EINVAL, nil)
	}
	return submit[T](p, deps, func(*C.ak_task) (any, error) { return fn() })
}

func submit[T any](p *Pool, deps []Future, work func(*C.ak_task) (any, error)) *Value[T] {
	p = p.orDefault()
	if p == nil {
		return failed[T](C.AK_ENOMEM, nil)
	}
	var cs []*C.ak_value
	var links []*core
	if len(deps) > 0 {
		var unlock func()
		var ok bool
		cs, links, unlock, ok = lockFutures(deps)
		defer unlock()
		if !ok {
			return failed[T](C.AK_EINVAL, nil)
		}
	}
	core := newCore(kindTask, p, links)
	core.work = work
	h := newHandle(core)
	var c *C.ak_value
	var rc C.int
	p.mu.RLock()
	switch {
	case p.c == nil:
		rc = C.AK_ESHUTDOWN
	case len(cs) == 0:
		rc = C.akgo_do(p.c, C.uintptr_t(h), &c)
	default:
		rc = C.akgo_do_after(p.c, &cs[0], C.size_t(len(cs)), C.uintptr_t(h), &c)
	}
	p.mu.RUnlock()
	return submitted[T](rc, h, c, core)
}

// lockFutures read-locks each future and collects its C value and core; ok is false if one is
// nil or released. unlock must be called (after the C values are passed on) in any case.
func lockFutures(fs []Future) (cs []*C.ak_value, links []*core, unlock func(), ok bool) {
	locked := make([]*sync.RWMutex, 0, len(fs))
	unlock = func() {
		for _, mu := range locked {
			mu.RUnlock()
		}
	}
	cs = make([]*C.ak_value, len(fs))
	links = make([]*core, len(fs))
	for i, f := range fs {
		if f == nil {
			return nil, nil, unlock, false
		}
		mu, c, core := f.future()
		mu.RLock()
		locked = append(locked, mu)
		if *c == nil {
			return nil, nil, unlock, false
		}
		cs[i], links[i] = *c, core
	}
	return cs, links, unlock, true
}

// Then runs fn on v's result once v is set, on v's pool (for a promise, or a list of promises,
// DefaultPool), and returns fn's value. If v fails, fn never runs and the value fails with v's
// code, the message "input 0 failed: <v's message>" and v's Go error to unwrap. fn's own failure
// and panics are as for Do. v may be released meanwhile.
func Then[T, U any](v *Value[T], fn func(T) (U, error)) *Value[U] {
	if v == nil || fn == nil {
		return failed[U](C.AK_EINVAL, nil)
	}
	v.mu.RLock()
	defer v.mu.RUnlock()
	prev := v.c
	if prev == nil {
		return failed[U](C.AK_EINVAL, errReleased())
	}
	decode, join := v.decode, v.join
	core := newCore(kindChain, v.core.pool, []*core{v.core})
	core.work = func(t *C.ak_task) (any, error) {
		// The task holds a reference to prev until it has run, so its results are valid here.
		n := int(C.ak_task_input_count(t))
		raws := make([]C.uintptr_t, n)
		for i := range raws {
			raws[i] = C.akgo_task_input(t, C.size_t(i))
		}
		if !join && n != 1 {
			raws = []C.uintptr_t{0}
		}
		return fn(decode(prev, raws))
	}
	h := newHandle(core)
	var c *C.ak_value
	rc := C.akgo_chain(prev, C.uintptr_t(h), &c)
	return submitted[U](rc, h, c, core)
}

// Join returns a value set once every value in vs is set, with their results in order. If one
// fails, the join fails with the code of the lowest-index failed value, the message "element <i>
// failed: <its message>" (as soon as every value before it is set) and its Go error to unwrap.
// Join of nothing is set at once with an empty slice. The values may be released meanwhile.
func Join[T any](vs ...*Value[T]) *Value[[]T] {
	fs := make([]Future, len(vs))
	for i, v := range vs {
		if v == nil {
			return failed[[]T](C.AK_EINVAL, nil)
		}
		fs[i] = v
	}
	cs, links, unlock, ok := lockFutures(fs)
	defer unlock()
	if !ok {
		return failed[[]T](C.AK_EINVAL, errReleased())
	}
	var c *C.ak_value
	var csp **C.ak_value
	if len(cs) > 0 {
		csp = &cs[0]
	}
	if rc := C.ak_list_join(csp, C.size_t(len(cs)), &c); rc != 0 {
		return failed[[]T](rc, nil)
	}
	out := watch[[]T](c, newCore(kindJoin, firstPool(links), links))
	decoders, joins := elementDecoders(vs)
	out.join = true
	out.decode = func(list *C.ak_value, raws []C.uintptr_t) []T {
		r := make([]T, len(raws))
		for i, raw := range raws {
			el := C.ak_list_at(list, C.size_t(i))
			r[i] = decoders[i](el, rawsOf(el, raw, joins[i]))
		}
		return r
	}
	return out
}

// Any returns a value set by the first of vs to be set: with its result, or its failure (code,
// message and Go error). Any of nothing fails with ErrInvalid. The values may be released
// meanwhile. Any does not cancel the others.
func Any[T any](vs ...*Value[T]) *Value[T] {
	if len(vs) == 0 {
		return failed[T](C.AK_EINVAL, nil)
	}
	fs := make([]Future, len(vs))
	for i, v := range vs {
		if v == nil {
			return failed[T](C.AK_EINVAL, nil)
		}
		fs[i] = v
	}
	cs, links, unlock, ok := lockFutures(fs)
	defer unlock()
	if !ok {
		return failed[T](C.AK_EINVAL, errReleased())
	}
	var c *C.ak_value
	if rc := C.ak_list_any(&cs[0], C.size_t(len(cs)), &c); rc != 0 {
		return failed[T](rc, nil)
	}
	out := watch[T](c, newCore(kindAny, firstPool(links), links))
	decoders, joins := elementDecoders(vs)
	out.decode = func(list *C.ak_value, raws []C.uintptr_t) T {
		var index C.size_t
		if C.ak_list_any_index(list, &index) != 0 || len(raws) != 1 {
			var zero T
			return zero
		}
		el := C.ak_list_at(list, index)
		return decoders[index](el, rawsOf(el, raws[0], joins[index]))
	}
	return out
}

func elementDecoders[T any](vs []*Value[T]) ([]func(*C.ak_value, []C.uintptr_t) T, []bool) {
	decoders := make([]func(*C.ak_value, []C.uintptr_t) T, len(vs))
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

// Get waits for v to be set and returns its result, or its failure as an *Error. If ctx ends
// first, Get returns ctx.Err() and v is unchanged. Called from inside work on a pool, the wait
// runs other queued work of that pool meanwhile, so nested waits do not deadlock the pool.
func (v *Value[T]) Get(ctx context.Context) (T, error) {
	var zero T
	if err := v.waitSet(ctx); err != nil {
		return zero, err
	}
	v.mu.RLock()
	if v.c == nil {
		v.mu.RUnlock()
		if err := v.core.failure(); err != nil {
			return zero, err
		}
		return zero, errReleased()
	}
	var raw C.uintptr_t
	rc := C.akgo_get(v.c, &raw)
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
	if v.c != nil {
		return C.ak_value_is_set(v.c) != 0
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
	if v.c == nil {
		return errReleased()
	}
	if rc := C.ak_value_cancel(v.c); rc != 0 {
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
	v.c = nil
	v.mu.Unlock()
	if c != nil {
		C.ak_value_release(c)
		runtime.SetFinalizer(v, nil)
	}
}

// waitSet waits until v is set or ctx ends.
func (v *Value[T]) waitSet(ctx context.Context) error {
	if ctx == nil {
		ctx = context.Background()
	}
	select {
	case <-v.core.done:
		return nil
	default:
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if C.akgo_in_work() != 0 {
		if set, err, ok := v.waitInWork(ctx); ok {
			if !set {
				return err
			}
			return nil
		}
	}
	select {
	case <-v.core.done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// waitInWork waits inside work with the library's own wait, which runs other queued work of the
// worker's pool meanwhile (a goroutine parked in select would hold the worker idle, and with one
// worker the work it waits for would never run). ctx's end fails a promise that an any-list
// joins with v, which ends the wait. ok is false if v was released.
func (v *Value[T]) waitInWork(ctx context.Context) (set bool, err error, ok bool) {
	v.mu.RLock()
	c := v.c
	if c != nil {
		C.ak_value_retain(c)
	}
	v.mu.RUnlock()
	if c == nil {
		return false, nil, false
	}
	defer C.ak_value_release(c)
	if ctx.Done() == nil {
		C.ak_value_wait(c, forever)
		return true, nil, true
	}
	var stop, list *C.ak_value
	if C.ak_value_new(&stop) != 0 {
		return false, nil, false
	}
	defer C.ak_value_release(stop)
	pair := []*C.ak_value{c, stop}
	if C.ak_list_any(&pair[0], 2, &list) != 0 {
		return false, nil, false
	}
	defer C.ak_value_release(list)
	C.ak_value_retain(stop) // the AfterFunc's reference
	unregister := context.AfterFunc(ctx, func() {
		C.ak_value_fail(stop, C.AK_ECANCELED, nil)
		C.ak_value_release(stop)
	})
	C.ak_value_wait(list, forever)
	if unregister() {
		C.ak_value_release(stop) // the AfterFunc will not run
	}
	if C.ak_value_is_set(c) != 0 {
		return true, nil, true
	}
	return false, ctx.Err(), true
}

// Promise is a value set by hand, with Set or Fail, from any goroutine (a C value made with
// ak_value_new). It embeds its *Value: use it with Get, Then, Join and the rest.
type Promise[T any] struct {
	*Value[T]
}

// NewPromise makes an unset promise. Dropping the last reference to an unset promise (Release, or
// the finalizer) fails it with ErrCanceled, so work that depends on it does not wait forever.
func NewPromise[T any]() *Promise[T] {
	var c *C.ak_value
	if rc := C.ak_value_new(&c); rc != 0 {
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
	if p.c == nil {
		return errReleased()
	}
	h := newHandle(x)
	if rc := C.akgo_set(p.c, C.uintptr_t(h)); rc != 0 {
		deleteHandle(h)
		return newError(rc)
	}
	return nil
}

// Fail fails the promise with err: its text is the message, errors.As on the value's error gets
// err back, and the code is CodeWork unless err wraps an *Error, whose Code is used. ErrState if
// it is set already; ErrInvalid for a nil err.
func (p *Promise[T]) Fail(err error) error {
	if err == nil {
		return newError(C.AK_EINVAL)
	}
	p.core.mu.Lock()
	defer p.core.mu.Unlock()
	p.mu.RLock()
	defer p.mu.RUnlock()
	if p.c == nil {
		return errReleased()
	}
	// Under core.mu nothing else sets the promise, and our reference keeps it from being
	// abandoned: if it is unset now, the fail below succeeds.
	if C.ak_value_is_set(p.c) != 0 {
		return newError(C.AK_ESTATE)
	}
	p.core.err = err // before the fail, which wakes waiters
	msg := C.CString(err.Error())
	defer C.free(unsafe.Pointer(msg))
	if rc := C.ak_value_fail(p.c, C.int(codeOf(err)), msg); rc != 0 {
		return newError(rc)
	}
	return nil
}
