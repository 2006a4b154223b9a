package asynckit

import (
	"context"
	"runtime"
	"sync"
	"time"

	"asynckit.dev/go/asynckit/internal/capi"
)

const (
	// DefaultWorkers asks NewPool for one worker per hardware thread.
	DefaultWorkers = -1
	// MaxWorkers is the largest worker count a pool accepts.
	MaxWorkers = capi.WorkersMax
)

// Pool is a work-stealing thread pool. Work submitted with Do runs on its threads.
//
// A Pool is ended with Close (run what is queued) or Shutdown (run what is queued until a
// context ends, then cancel the rest). A Pool that becomes unreachable is closed by a finalizer,
// but only as a safety net: pending values keep their pool reachable, and Close is the way to
// end one. Values stay valid after their pool is closed. All methods are safe for concurrent use.
type Pool struct {
	mu        sync.RWMutex // read-held while c is used; write-held to clear it
	c         capi.Pool    // NULL once closed
	isDefault bool
	stopMu    sync.Mutex // serialises Close and Shutdown: the library's stop is not called twice at once
}

// Option configures NewPool.
type Option func(*poolOptions)

type poolOptions struct {
	name string
}

// WithName sets the prefix of the pool's thread names (the first 11 bytes are used).
func WithName(name string) Option {
	return func(o *poolOptions) { o.name = name }
}

// NewPool makes a pool with the given number of workers: DefaultWorkers (or any negative number)
// for one per hardware thread, 0 to queue work until Resize adds some, at most MaxWorkers.
// The error is an *Error: ErrInvalid for a bad count, ErrNoMemory if threads could not be had.
func NewPool(workers int, opts ...Option) (*Pool, error) {
	var o poolOptions
	for _, opt := range opts {
		opt(&o)
	}
	if workers > MaxWorkers {
		return nil, newError(CodeInvalid)
	}
	c, rc := capi.CreatePool(workers, o.name)
	if rc != 0 {
		return nil, newError(rc)
	}
	p := &Pool{c: c}
	runtime.SetFinalizer(p, func(p *Pool) { go p.Close() })
	return p, nil
}

var (
	defaultOnce sync.Once
	defaultPool *Pool
)

// DefaultPool returns the process-wide pool (ak_pool_default), shared with any C code in the
// process, with one worker per hardware thread. It can be resized but not closed: Close and
// Shutdown return ErrInvalid. Do, DoAfter and ChainOn given a nil *Pool use it; so does Chain on
// values that no pool computes (promises). DefaultPool returns nil only if the pool could not be
// made.
func DefaultPool() *Pool {
	defaultOnce.Do(func() {
		if c := capi.DefaultPool(); !c.IsNil() {
			defaultPool = &Pool{c: c, isDefault: true}
		}
	})
	return defaultPool
}

// orDefault is p, or the default pool for nil.
func (p *Pool) orDefault() *Pool {
	if p == nil {
		return DefaultPool()
	}
	return p
}

// Resize asks for n worker threads. Growing starts threads at once; shrinking never drops queued
// work. 0 is allowed: work then queues until the next Resize. Safe while work runs, and from
// inside the pool's own work. Errors: ErrInvalid (n < 0 or > MaxWorkers), ErrShutdown (closed),
// ErrNoMemory (threads could not be started; the pool keeps those it could start).
func (p *Pool) Resize(n int) error {
	if n < 0 || n > MaxWorkers {
		return newError(CodeInvalid)
	}
	p.mu.RLock()
	defer p.mu.RUnlock()
	if p.c.IsNil() {
		return newError(CodeShutdown)
	}
	if rc := p.c.Resize(n); rc != 0 {
		return newError(rc)
	}
	return nil
}

// Workers returns the worker count last asked for (by NewPool or Resize); 0 once closed.
func (p *Pool) Workers() int {
	p.mu.RLock()
	defer p.mu.RUnlock()
	if p.c.IsNil() {
		return 0
	}
	return p.c.Workers()
}

// Stats is a snapshot of a pool's counters. They are read without stopping the pool, so they may
// be a little out of step with each other.
type Stats struct {
	Submitted uint64 // tasks accepted (including those still waiting for their inputs)
	Completed uint64 // tasks whose work ran and succeeded
	Failed    uint64 // tasks that failed: the work failed, an input failed, or the pool stopped
	Cancelled uint64 // tasks cancelled before their work ran
	Steals    uint64 // tasks a worker took from another worker's queue
	Queued    uint64 // tasks ready to run and not started yet
	Workers   int    // worker threads currently alive
}

// Stats returns a snapshot of the pool's counters; ErrShutdown once the pool is closed.
func (p *Pool) Stats() (Stats, error) {
	p.mu.RLock()
	defer p.mu.RUnlock()
	if p.c.IsNil() {
		return Stats{}, newError(CodeShutdown)
	}
	s, rc := p.c.Stats()
	if rc != 0 {
		return Stats{}, newError(rc)
	}
	return Stats(s), nil
}

// Close stops the pool from taking work, runs everything already queued (work submitted from
// inside the pool's own work meanwhile included), ends its threads and frees it. Values the pool
// made stay valid. Called from inside the pool's own work, it waits for all other work; the
// calling work then finishes normally. Close on a closed pool returns nil; on DefaultPool,
// ErrInvalid. Close must not be called from inside the pool's work while another Close or
// Shutdown of the same pool is waiting: that waits forever.
func (p *Pool) Close() error {
	return p.end(nil)
}

// Shutdown is Close with a limit: it runs queued work until ctx ends; then it cancels what has not
// started (those values fail with ErrCanceled), raises the flag Task.Cancelled reads for running
// work, waits for that work to return and frees the pool. It returns nil if everything queued ran,
// else ctx.Err(). Running work is never interrupted: long work should poll Task.Cancelled.
func (p *Pool) Shutdown(ctx context.Context) error {
	if ctx == nil {
		ctx = context.Background()
	}
	return p.end(ctx)
}

// shutdownSlice bounds each wait of Shutdown's drain, so that a cancelled ctx is noticed: the
// library's stop cannot be interrupted, and is not called twice at once.
const shutdownSlice = 10 * time.Millisecond

func (p *Pool) end(ctx context.Context) error {
	p.stopMu.Lock()
	defer p.stopMu.Unlock()
	p.mu.RLock()
	c := p.c // only end clears p.c, and end holds stopMu
	p.mu.RUnlock()
	if c.IsNil() {
		return nil
	}
	if p.isDefault {
		return newError(CodeInvalid)
	}
	var result error
	if ctx == nil {
		if rc := c.Stop(capi.StopDrain, capi.Forever); rc != 0 {
			return newError(rc)
		}
	} else {
		for {
			if ctx.Err() != nil {
				result = ctx.Err()
				if rc := c.Stop(capi.StopCancel, capi.Forever); rc != 0 {
					return newError(rc)
				}
				break
			}
			slice := shutdownSlice
			if d, ok := ctx.Deadline(); ok {
				if left := time.Until(d); left < slice {
					slice = max(left, 0)
				}
			}
			rc := c.Stop(capi.StopDrain, int64(slice))
			if rc == 0 {
				break
			}
			if rc != CodeTimeout {
				return newError(rc)
			}
		}
	}
	p.mu.Lock()
	p.c = capi.Pool{}
	p.mu.Unlock()
	c.Destroy()
	runtime.SetFinalizer(p, nil)
	return result
}

// Version returns the version of the loaded library, "MAJOR.MINOR.PATCH" (ak_version).
func Version() string { return capi.Version() }

// HeaderVersion returns the version of the asynckit.h this binding was compiled against. It
// differs from Version when the loaded library is not the one the binding was built with.
func HeaderVersion() string { return capi.HeaderVersion() }
