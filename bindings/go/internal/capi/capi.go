// Package capi is the raw layer of the Go binding: the cgo declarations over asynckit.h, the C
// shims in akgo.c, the //export trampolines and thin Go wrappers over each C call. It is the only
// package of the binding that imports "C".
//
// cgo types are private to the package that uses them, so nothing C crosses this package's
// edge: the library's objects are opaque handle types (Pool, Value, Task), codes are ints, text
// is string, results are uintptr. Go values cross into C only as counted runtime/cgo handles
// (handles.go). The trampolines call the package above through interfaces it hands over behind
// those handles (Work, Watcher), never by importing it, so the layering stays one way.
package capi

/*
#cgo pkg-config: asynckit
#include <asynckit.h>
#include "akgo.h"
*/
import "C"

// Library status codes (AK_* of asynckit.h), and AKGO_ELOST of akgo.h, which is not one.
const (
	OK        = 0
	EINVAL    = int(C.AK_EINVAL)
	ENOMEM    = int(C.AK_ENOMEM)
	ETIMEDOUT = int(C.AK_ETIMEDOUT)
	ECANCELED = int(C.AK_ECANCELED)
	ESHUTDOWN = int(C.AK_ESHUTDOWN)
	ESTATE    = int(C.AK_ESTATE)
	EPENDING  = int(C.AK_EPENDING)
	EWORK     = int(C.AK_EWORK)
	EINTERNAL = int(C.AK_EINTERNAL)
	// ELOST: a done callback could not be registered and the value could not be cancelled, so
	// the work may still run and its handle must be left alone.
	ELOST = int(C.AKGO_ELOST)
)

// Forever is AK_FOREVER: a wait without bound.
const Forever = int64(-1)

// StrError is ak_strerror. code must fit a C int.
func StrError(code int) string { return C.GoString(C.ak_strerror(C.int(code))) }

// Version is ak_version: the loaded library's version.
func Version() string { return C.GoString(C.ak_version()) }

// HeaderVersion is AK_VERSION_STRING of the asynckit.h this package was compiled against.
func HeaderVersion() string { return C.GoString(C.akgo_header_version()) }
