package capi

/*
#include "akgo.h"
*/
import "C"

// Task is the ak_task of running work, valid during the work's call; the zero Task is none.
type Task struct{ t *C.ak_task }

// InputCount is ak_task_input_count.
func (t Task) InputCount() int { return int(C.ak_task_input_count(t.t)) }

// Input is ak_task_input: the raw result of input i.
func (t Task) Input(i int) uintptr { return uintptr(C.akgo_task_input(t.t, C.size_t(i))) }

// Cancelled is ak_task_cancelled; false for the zero Task.
func (t Task) Cancelled() bool { return t.t != nil && C.ak_task_cancelled(t.t) != 0 }

// InWork reports whether the calling thread runs Go work for any pool (akgo_in_work). A
// goroutine running work is locked to its thread for the whole call, so it is about that
// goroutine.
func InWork() bool { return C.akgo_in_work() != 0 }

// The submissions below pass h, whose value must be both a Work and a Watcher, as the work's
// argument and as its value's done callback (akgo.h). On any error but ELOST, h stays the
// caller's and nothing else is left behind.

// Do is ak_pool_do (akgo_do).
func Do(p Pool, h Handle) (Value, int) {
	var out *C.ak_value
	rc := C.akgo_do(p.p, C.uintptr_t(h), &out)
	return Value{out}, int(rc)
}

// DoAfter is ak_pool_do_after (akgo_do_after); deps must not be empty.
func DoAfter(p Pool, deps []Value, h Handle) (Value, int) {
	var out *C.ak_value
	rc := C.akgo_do_after(p.p, cValues(deps), C.size_t(len(deps)), C.uintptr_t(h), &out)
	return Value{out}, int(rc)
}

// Chain is ak_chain (akgo_chain): on prev's pool.
func Chain(prev Value, h Handle) (Value, int) {
	var out *C.ak_value
	rc := C.akgo_chain(prev.v, C.uintptr_t(h), &out)
	return Value{out}, int(rc)
}

// ChainOn is ak_chain_on (akgo_chain_on): on pool p.
func ChainOn(p Pool, prev Value, h Handle) (Value, int) {
	var out *C.ak_value
	rc := C.akgo_chain_on(p.p, prev.v, C.uintptr_t(h), &out)
	return Value{out}, int(rc)
}
