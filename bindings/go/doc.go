// Package asynckit is the Go binding of asynckit, a work-stealing thread pool with futures behind
// a stable C ABI (libasynckit, found with pkg-config). Use it when Go shares a pool with C code in
// the same process, or calls native work through asynckit.
//
// Work is a Go function run on a pool thread; its outcome is a *Value[T]:
//
//	pool, err := asynckit.NewPool(4)
//	...
//	defer pool.Close()
//	v := asynckit.Do(pool, func() (int, error) { return 6 * 7, nil })
//	n, err := v.Get(ctx)
//
// Values compose without blocking: Chain continues one (ChainOn on a pool of your choosing), Join
// waits for all, Any for the first, DoAfter runs work once a set of values is done, and a
// Promise is a value set by hand. Get and Wait take a context; Done returns a channel for select.
// The names follow the C API (ak_pool_do, ak_pool_do_after, ak_chain, ...); Then and After are
// the earlier names of Chain and DoAfter and still work.
//
// # Errors
//
// Failures are *Error values with the library's Code and the value's Message, and match the
// sentinels (ErrTimeout, ErrCanceled, ErrShutdown, ...) with errors.Is. A Go error returned by
// work keeps its text as the message, and errors.As finds it on the value's error, also through
// Chain, Join, Any and DoAfter; FailedIndex says which input a failure came through. A panic in
// work is recovered and fails the value with a *PanicError.
//
// # Memory
//
// Go functions and results never enter C memory: each crosses as a runtime/cgo.Handle, deleted
// exactly once (when the work's value is set, or when the library frees the result). A Value
// holds a reference to the library's value; Release drops it, and a finalizer does so for a
// Value dropped unread. Pools are ended with Close or Shutdown.
package asynckit
