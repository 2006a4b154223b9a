package capi

/*
#include <stdlib.h>
#include "akgo.h"
*/
import "C"

import "unsafe"

// Value is an ak_value pointer (one caller reference, where the layer above keeps one); the zero
// Value is NULL.
type Value struct{ v *C.ak_value }

// IsNil reports whether v is NULL.
func (v Value) IsNil() bool { return v.v == nil }

// NewValue is ak_value_new: an unset promise.
func NewValue() (Value, int) {
	var v *C.ak_value
	rc := C.ak_value_new(&v)
	return Value{v}, int(rc)
}

// Set is ak_value_set with result h, which the library frees (deletes) with the value.
func (v Value) Set(h Handle) int { return int(C.akgo_set(v.v, C.uintptr_t(h))) }

// Fail is ak_value_fail with message (copied by the library).
func (v Value) Fail(code int, message string) int {
	m := C.CString(message)
	defer C.free(unsafe.Pointer(m))
	return int(C.ak_value_fail(v.v, C.int(code), m))
}

// FailCode is ak_value_fail with no message (the library writes its own).
func (v Value) FailCode(code int) int { return int(C.ak_value_fail(v.v, C.int(code), nil)) }

// Watch registers the done trampoline with h, whose value must be a Watcher (akgo_watch):
// on failure v is cancelled; ELOST if it could not be.
func (v Value) Watch(h Handle) int { return int(C.akgo_watch(v.v, C.uintptr_t(h))) }

// GetNow is ak_value_get without waiting: the raw result (a result handle, or a join list's array
// of its elements' raw results) or the status.
func (v Value) GetNow() (uintptr, int) {
	var raw C.uintptr_t
	rc := C.akgo_get(v.v, &raw)
	return uintptr(raw), int(rc)
}

// Wait is ak_value_wait; timeout in nanoseconds, or Forever. Inside work it runs other queued
// work of the worker's pool meanwhile.
func (v Value) Wait(timeout int64) int { return int(C.ak_value_wait(v.v, C.int64_t(timeout))) }

// IsSet is ak_value_is_set.
func (v Value) IsSet() bool { return C.ak_value_is_set(v.v) != 0 }

// Cancel is ak_value_cancel.
func (v Value) Cancel() int { return int(C.ak_value_cancel(v.v)) }

// Retain is ak_value_retain.
func (v Value) Retain() { C.ak_value_retain(v.v) }

// Release is ak_value_release.
func (v Value) Release() { C.ak_value_release(v.v) }

// ListJoin is ak_list_join.
func ListJoin(vs []Value) (Value, int) {
	var out *C.ak_value
	rc := C.ak_list_join(cValues(vs), C.size_t(len(vs)), &out)
	return Value{out}, int(rc)
}

// ListAny is ak_list_any.
func ListAny(vs []Value) (Value, int) {
	var out *C.ak_value
	rc := C.ak_list_any(cValues(vs), C.size_t(len(vs)), &out)
	return Value{out}, int(rc)
}

// ListSize is ak_list_size.
func (v Value) ListSize() int { return int(C.ak_list_size(v.v)) }

// ListAt is ak_list_at (borrowed: no reference is added).
func (v Value) ListAt(i int) Value { return Value{C.ak_list_at(v.v, C.size_t(i))} }

// ListAnyIndex is ak_list_any_index.
func (v Value) ListAnyIndex() (int, int) {
	var i C.size_t
	rc := C.ak_list_any_index(v.v, &i)
	return int(i), int(rc)
}

// ReadArray copies len(out) entries of the `void *` array at array (a join list's raw result).
func ReadArray(array uintptr, out []uintptr) {
	if len(out) > 0 {
		C.akgo_read_array(C.uintptr_t(array),
			(*C.uintptr_t)(unsafe.Pointer(&out[0])), C.size_t(len(out)))
	}
}

// cValues is vs as the `ak_value *const *` the list calls take (NULL when empty). A Value is one
// *C.ak_value, so the slice's array already is that C array; C reads it during the call only.
func cValues(vs []Value) **C.ak_value {
	if len(vs) == 0 {
		return nil
	}
	return (**C.ak_value)(unsafe.Pointer(&vs[0]))
}
