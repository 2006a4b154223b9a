package asynckit

// The //export trampolines the C shims in akgo.c call. A file with //export may only declare C in
// its preamble, so this one only includes akgo.h.

/*
#include "akgo.h"
*/
import "C"

import "runtime/cgo"

// akGoWork runs the Go work behind handle h on a pool thread. On success it hands back the result
// as a new handle in *result; on failure it keeps the Go error in the value's core (for
// errors.As), writes the text to *msg (malloc'd; the shim frees it) and returns the code.
//
//export akGoWork
func akGoWork(t *C.ak_task, h C.uintptr_t, result *C.uintptr_t, msg **C.char) C.int {
	c := cgo.Handle(h).Value().(*core)
	work := c.work
	c.work = nil // the closure and what it holds go with the run, not with the value
	r, err := runWork(work, t)
	if err != nil {
		c.err = err
		*msg = C.CString(err.Error())
		return C.int(codeOf(err))
	}
	*result = C.uintptr_t(newHandle(r))
	return 0
}

// akGoDone runs once when the value watched with handle h is set. It records the outcome Go-side,
// deletes the handle (its one and only deletion) and closes the value's done channel.
//
//export akGoDone
func akGoDone(h C.uintptr_t, status C.int, msg *C.char, anyIndex C.int64_t) {
	hd := cgo.Handle(h)
	c := hd.Value().(*core)
	deleteHandle(hd)
	c.finish(int(status), C.GoString(msg), int(anyIndex))
}

// akGoFree frees a result: the library calls it once, when the last reference to the value
// holding the result goes.
//
//export akGoFree
func akGoFree(h C.uintptr_t) {
	deleteHandle(cgo.Handle(h))
}
