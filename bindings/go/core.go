package asynckit

import (
	"runtime"
	"sync"

	"asynckit.dev/go/asynckit/internal/capi"
)

// How a value is made, which says where its failure can come from.
type kind uint8

const (
	kindTask    kind = iota // Do, DoTask, DoAfter: Go work, with inputs for DoAfter
	kindChain               // Chain, ChainOn: Go work on the result of one value
	kindJoin                // Join: a join list
	kindAny                 // Any: an any-list
	kindPromise             // NewPromise, and values that failed on creation
)

// core is the Go side of one C value, shared by the Value and the done callback. A handle to it
// is the C value's done-callback argument (and, for work, the work's argument) from the value's
// creation until it is set; the done callback deletes that handle. Nothing in C points at Go
// memory. It is the capi.Work and capi.Watcher the raw layer's trampolines call.
type core struct {
	kind kind
	done chan struct{} // closed by the done callback
	pool *Pool         // the pool that runs the work (nil: none or the default); kept reachable

	// work is the Go function a task runs; cleared when it runs or the value is set.
	work func(capi.Task) (any, error)
	// err is the Go error behind a failure: returned by the work (set before the value is set)
	// or given to Promise.Fail (set under mu before the value is failed).
	err error
	// links are the values whose failure this one takes on, in input order: Chain's value,
	// DoAfter's dependencies, the elements of Join and Any. Dropped once this value succeeds.
	links []*core
	mu    sync.Mutex // promises: serialises Set, Fail and Cancel

	// Recorded by the done callback before done is closed.
	status      int
	msg         string
	failedIndex int // ak_value_failed_index, -1 for none
}

// liveHandles counts the cgo handles the binding holds (works, done callbacks, results). The raw
// layer keeps the count, since it makes and deletes them.
var liveHandles = &capi.LiveHandles

func newCore(k kind, p *Pool, links []*core) *core {
	return &core{kind: k, done: make(chan struct{}), pool: p, links: links, failedIndex: -1}
}

// RunWork runs the value's work on a pool thread (capi.Work). A Go error keeps its text as the
// message and stays in the core, for errors.As on the value's error.
func (c *core) RunWork(t capi.Task) (any, int, string) {
	work := c.work
	c.work = nil // the closure and what it holds go with the run, not with the value
	r, err := runWork(work, t)
	if err != nil {
		c.err = err
		return nil, codeOf(err), err.Error()
	}
	return r, 0, ""
}

// ValueDone records the outcome and closes done (capi.Watcher); called once.
func (c *core) ValueDone(status int, msg string, failedIndex int) {
	c.work = nil
	c.status = status
	if status == 0 {
		c.links = nil // nothing left to explain
	} else {
		c.msg = msg
		c.failedIndex = failedIndex
	}
	close(c.done)
}

// failure is the error of a value that is set (on the C side); nil if it succeeded. It waits for
// the done callback, which the thread that set the value runs right after setting it.
func (c *core) failure() error {
	<-c.done
	if c.status == 0 {
		return nil
	}
	return &Error{Code: c.status, Message: c.msg, cause: c.cause(), input: c.failedIndex + 1}
}

// cause finds the Go error a failure started from: this value's own, or, for a failure taken on
// from an input, that input's. c must be done.
func (c *core) cause() error {
	if c.err != nil {
		return c.err
	}
	i := c.failedIndex
	if c.kind == kindChain && i >= 0 {
		// A chain has one link, its value; on a join list the library names the list's failed
		// element, and the list explains its own element.
		i = 0
	}
	if i < 0 || i >= len(c.links) {
		return nil
	}
	l := c.links[i]
	// The library says this input failed, so it is set, and its done callback (registered when
	// it was made) runs on the thread that set it right after: this wait ends.
	<-l.done
	if l.status != c.status {
		return nil
	}
	return l.cause()
}

// runWork runs work, turning a panic into a *PanicError.
func runWork(work func(capi.Task) (any, error), t capi.Task) (r any, err error) {
	defer func() {
		if p := recover(); p != nil {
			stack := make([]byte, 64<<10)
			stack = stack[:runtime.Stack(stack, false)]
			r, err = nil, &PanicError{Value: p, Stack: stack}
		}
	}()
	if work == nil { // cannot happen: a task runs once, and only Do and friends make tasks
		return nil, &Error{Code: CodeState, Message: "asynckit: work ran twice"}
	}
	return work(t)
}
