package capi

// The //export trampolines the C shims in akgo.c call, and the interfaces through which they
// reach the layer above. A file with //export may only declare C in its preamble, so this one
// only includes akgo.h.

/*
#include "akgo.h"
*/
import "C"

import (
	"fmt"
	"os"
	"runtime/debug"
)

// Work is what a work handle holds (Do, DoAfter, Chain): the layer above's side of one task.
type Work interface {
	// RunWork runs the work on a pool thread. code 0 sets the value with result; any other code
	// fails it with code and message.
	RunWork(t Task) (result any, code int, message string)
}

// Watcher is what a watch handle holds (Watch, and the work submissions, whose handle is both).
type Watcher interface {
	// ValueDone is called once, on the thread that set the value, after the handle is deleted.
	// failedIndex is ak_value_failed_index, or -1 when the value did not fail through an input.
	ValueDone(status int, message string, failedIndex int)
}

// akGoWork runs the Work behind handle h. On success it hands back the result as a new handle in
// *result; on failure it writes the text to *msg (malloc'd; the shim frees it) and returns the
// code. A panic here (the layer above recovers the work's own) fails the value with
// AK_EINTERNAL rather than unwinding through the library's C frames.
//
//export akGoWork
func akGoWork(t *C.ak_task, h C.uintptr_t, result *C.uintptr_t, msg **C.char) (code C.int) {
	defer func() {
		if p := recover(); p != nil {
			*msg = C.CString(fmt.Sprintf("asynckit: internal panic running Go work: %v", p))
			code = C.AK_EINTERNAL
		}
	}()
	r, rc, text := Handle(h).Value().(Work).RunWork(Task{t})
	if rc != 0 {
		*msg = C.CString(text)
		return C.int(rc)
	}
	*result = C.uintptr_t(NewHandle(r))
	return 0
}

// akGoDone runs once when the value watched with handle h is set: it deletes the handle (its one
// and only deletion) and tells the Watcher.
//
//export akGoDone
func akGoDone(h C.uintptr_t, status C.int, msg *C.char, failedIndex C.int64_t) {
	defer recoverInCallback("done callback")
	hd := Handle(h)
	w := hd.Value().(Watcher)
	hd.Delete()
	w.ValueDone(int(status), C.GoString(msg), int(failedIndex))
}

// akGoFree frees a result: the library calls it once, when the last reference to the value
// holding the result goes.
//
//export akGoFree
func akGoFree(h C.uintptr_t) {
	defer recoverInCallback("free callback")
	Handle(h).Delete()
}

// recoverInCallback stops a panic at the C edge of a callback that has no way to report one (a
// panic must not unwind through the library's frames) and writes it to stderr, since dropping it
// silently would hide a bug in the binding.
func recoverInCallback(where string) {
	if p := recover(); p != nil {
		fmt.Fprintf(os.Stderr, "asynckit: internal panic in the Go %s (ignored): %v\n%s", where, p,
			debug.Stack())
	}
}
