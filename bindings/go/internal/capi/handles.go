package capi

import (
	"runtime/cgo"
	"sync/atomic"
)

// Handle is a Go value behind an integer that C can carry (runtime/cgo.Handle): in the library's
// `void *arg` and result slots, as uintptr_t, never as a Go pointer, which a small integer in a
// pointer-typed variable would confuse the garbage collector with. Every handle is counted, so
// the tests can check that each one is deleted exactly once.
type Handle uintptr

// LiveHandles counts the handles made by NewHandle and not yet deleted.
var LiveHandles atomic.Int64

// NewHandle puts x behind a new handle.
func NewHandle(x any) Handle {
	LiveHandles.Add(1)
	return Handle(cgo.NewHandle(x))
}

// Value is the Go value behind h. h must not have been deleted.
func (h Handle) Value() any { return cgo.Handle(h).Value() }

// Delete frees h; it panics if h was deleted already.
func (h Handle) Delete() {
	cgo.Handle(h).Delete()
	LiveHandles.Add(-1)
}
