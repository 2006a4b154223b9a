package asynckit

import (
	"errors"
	"fmt"

	"asynckit.dev/go/asynckit/internal/capi"
)

// Library status codes (the AK_* codes of asynckit.h). Negative codes belong to the library and
// are never renumbered; positive codes belong to the work.
const (
	CodeInvalid  = capi.EINVAL    // invalid argument
	CodeNoMemory = capi.ENOMEM    // out of memory
	CodeTimeout  = capi.ETIMEDOUT // timed out
	CodeCanceled = capi.ECANCELED // cancelled
	CodeShutdown = capi.ESHUTDOWN // pool is shut down
	CodeState    = capi.ESTATE    // operation not valid in the current state
	CodePending  = capi.EPENDING  // value is not set yet
	CodeWork     = capi.EWORK     // work failed
	CodeInternal = capi.EINTERNAL // internal error (a bug in the library or the binding)
)

// Sentinel errors, one per library code, for errors.Is. Any *Error with the same Code matches:
//
//	if errors.Is(err, asynckit.ErrCanceled) { ... }
var (
	ErrInvalid  = sentinel(CodeInvalid)
	ErrNoMemory = sentinel(CodeNoMemory)
	ErrTimeout  = sentinel(CodeTimeout)
	ErrCanceled = sentinel(CodeCanceled)
	ErrShutdown = sentinel(CodeShutdown)
	ErrState    = sentinel(CodeState)
	ErrPending  = sentinel(CodePending)
	ErrWork     = sentinel(CodeWork)
	ErrInternal = sentinel(CodeInternal)
)

// Error is a failure reported by the library: a failed value or a refused call.
//
// Code is the status code: a library code (one of the Code* constants) or, for a value its work
// failed, the work's own code. Message is the value's failure message; for a Go error returned by
// the work it is that error's text. When the failure started as a Go error (returned by work,
// given to Promise.Fail, or a recovered panic, also through Chain, Join, Any and DoAfter), Unwrap
// returns it, so errors.As and errors.Is reach it. FailedIndex says which input, if any, the
// failure was taken on from.
type Error struct {
	Code    int
	Message string

	cause error
	// input is the failed input's index + 1, so that an Error written as a literal has none.
	input    int
	sentinel bool
}

func sentinel(code int) *Error {
	return &Error{Code: code, Message: StatusText(code), sentinel: true}
}

// newError is a library error for a refused call.
func newError(code int) *Error {
	return &Error{Code: code, Message: StatusText(code)}
}

// Error returns Message, or the library's text for Code when Message is empty.
func (e *Error) Error() string {
	if e.Message != "" {
		return e.Message
	}
	return StatusText(e.Code)
}

// FailedIndex is, for a value that failed because one of its inputs failed, that input's index
// (ak_value_failed_index), the one its message names: for DoAfter the lowest failed dependency;
// for Chain and ChainOn 0, or on a Join the failed element; for Join the lowest failed element;
// for Any the element whose failure settled it. -1 for every other error.
func (e *Error) FailedIndex() int { return e.input - 1 }

// Unwrap returns the Go error the failure started from, if any.
func (e *Error) Unwrap() error { return e.cause }

// Is reports whether target is the sentinel for e's Code.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.sentinel && t.Code == e.Code
}

// StatusText is the library's short description of a status code (ak_strerror): its own text
// for library codes, "work-defined error" for positive codes, "unknown error" otherwise.
func StatusText(code int) string {
	if code < -(1<<31) || code > 1<<31-1 {
		return "unknown error"
	}
	return capi.StrError(code)
}

// PanicError is the error of a value whose work panicked. The panic is recovered on the pool
// thread; the value fails with CodeWork and the message "panic: <value>", and errors.As on the
// value's error finds the *PanicError.
type PanicError struct {
	Value any    // what was passed to panic
	Stack []byte // the stack of the panicking goroutine
}

func (p *PanicError) Error() string { return "panic: " + fmt.Sprint(p.Value) }

// Unwrap returns the panic value when it is an error.
func (p *PanicError) Unwrap() error {
	err, _ := p.Value.(error)
	return err
}

// codeOf picks the code a Go error fails its value with: the Code of an *Error in its chain (so
// work can fail with a code of its choosing, or pass on another value's failure), else CodeWork.
func codeOf(err error) int {
	var e *Error
	if errors.As(err, &e) && e.Code != 0 && e.Code >= -(1<<31) && e.Code <= 1<<31-1 {
		return e.Code
	}
	return CodeWork
}

// errReleased is returned by a Value used after Release.
func errReleased() error {
	return &Error{Code: CodeInvalid, Message: "asynckit: value was released"}
}
