package capi

/*
#include <stdlib.h>
#include <asynckit.h>
*/
import "C"

import "unsafe"

// Pool is an ak_pool pointer; the zero Pool is NULL.
type Pool struct{ p *C.ak_pool }

// WorkersMax is AK_WORKERS_MAX.
const WorkersMax = int(C.AK_WORKERS_MAX)

// ak_pool_stop's modes.
const (
	StopDrain  = int(C.AK_STOP_DRAIN)
	StopCancel = int(C.AK_STOP_CANCEL)
)

// IsNil reports whether p is NULL.
func (p Pool) IsNil() bool { return p.p == nil }

// CreatePool is ak_pool_create: workers < 0 asks for AK_WORKERS_DEFAULT; an empty name leaves the
// thread names to the library. workers must not exceed WorkersMax.
func CreatePool(workers int, name string) (Pool, int) {
	opts := C.ak_pool_options{size: C.sizeof_ak_pool_options, workers: C.unsigned(workers)}
	if workers < 0 {
		opts.workers = ^C.unsigned(0) // AK_WORKERS_DEFAULT
	}
	if name != "" {
		opts.name = C.CString(name)
		defer C.free(unsafe.Pointer(opts.name))
	}
	var p *C.ak_pool
	rc := C.ak_pool_create(&opts, &p)
	return Pool{p}, int(rc)
}

// DefaultPool is ak_pool_default; the zero Pool if it could not be made.
func DefaultPool() Pool { return Pool{C.ak_pool_default()} }

// Resize is ak_pool_resize. n must be in [0, WorkersMax].
func (p Pool) Resize(n int) int { return int(C.ak_pool_resize(p.p, C.unsigned(n))) }

// Workers is ak_pool_workers.
func (p Pool) Workers() int { return int(C.ak_pool_workers(p.p)) }

// Stats is ak_stats.
type Stats struct {
	Submitted, Completed, Failed, Cancelled, Steals, Queued uint64
	Workers                                                 int
}

// Stats is ak_pool_stats.
func (p Pool) Stats() (Stats, int) {
	s := C.ak_stats{size: C.sizeof_ak_stats}
	if rc := C.ak_pool_stats(p.p, &s); rc != 0 {
		return Stats{}, int(rc)
	}
	return Stats{
		Submitted: uint64(s.submitted),
		Completed: uint64(s.completed),
		Failed:    uint64(s.failed),
		Cancelled: uint64(s.cancelled),
		Steals:    uint64(s.steals),
		Queued:    uint64(s.queued),
		Workers:   int(s.workers),
	}, 0
}

// Stop is ak_pool_stop with mode StopDrain or StopCancel; timeout in nanoseconds, or Forever.
func (p Pool) Stop(mode int, timeout int64) int {
	return int(C.ak_pool_stop(p.p, C.int(mode), C.int64_t(timeout)))
}

// Destroy is ak_pool_destroy.
func (p Pool) Destroy() { C.ak_pool_destroy(p.p) }
