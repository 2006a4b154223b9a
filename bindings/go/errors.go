package asynckit

/*
#include <asynckit.h>
*/
import "C"

import (
	"errors"
	"fmt"
	"strconv"
)

// Library status codes (the AK_* codes of asynckit.h). Negative codes belong to the library and
// are never renumbered; positive codes belong to the work.
const (
	CodeInvalid  = int(C.AK_EINVAL)    // invalid argument
	CodeNoMemory = int(C.AK_ENOMEM)    // out of memory
	CodeTimeout  = int(C.AK_ETIMEDOUT) // timed out
	CodeCanceled = int(C.AK_ECANCELED) // cancelled
	CodeShutdown = int(C.AK_ESHUTDOWN) // pool is shut down
	CodeState    = int(C.AK_ESTATE)    // operation not valid in the current state
	CodePending  = int(C.AK_EPENDING)  // value is not set yet
	CodeWork     = int(C.AK_EWORK)     // work failed
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
)

// Error is a failure reported by the library: a failed value or a refused call.
//
// Code is the status code: a library code (one of the Code* constants) or, for a value its work
// failed, the work's own code. Message is the value's failure message; for a Go error returned by
// the work it is that error's text. When the failure started as a Go error (returned by work,
// given to Promise.Fail, or a recovered panic, also through Then, Join, Any and After), Unwrap
// returns it, so errors.As and errors.Is reach it.
type Error struct {
	Code    int
	Message string

	cause    error
	sentinel bool
}

func sentinel(code int) *Error {
	return &Error{Code: code, Message: StatusText(code), sentinel: true}
}

// newError is a library error for a refused call.
func newError(code C.int) *Error {
	return &Error{Code: int(code), Message: StatusText(int(code))}
}

// Error returns Message, or the library's text for Code when Message is empty.
func (e *Error) Error() string {
	if e.Message != "" {
		return e.Message
	}
	return StatusText(e.Code)
}

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
	return C.GoString(C.ak_strerror(C.int(code)))
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

// parseFailedIndex reads i from a library message "<prefix><i> failed: ...", or returns -1.
func parseFailedIndex(msg, prefix string) int {
	if len(msg) <= len(prefix) || msg[:len(prefix)] != prefix {
		return -1
	}
	rest := msg[len(prefix):]
	end := 0
	for end < len(rest) && rest[end] >= '0' && rest[end] <= '9' {
		end++
	}
	const tail = " failed: "
	if end == 0 || len(rest) < end+len(tail) || rest[end:end+len(tail)] != tail {
		return -1
	}
	i, err := strconv.Atoi(rest[:end])
	if err != nil {
		return -1
	}
	return i
}
