package asynckit_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"asynckit.dev/go/asynckit"
)

// bound is the generous limit on every wait: a broken test fails loudly instead of hanging.
const bound = 60 * time.Second

func testCtx(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), bound)
	t.Cleanup(cancel)
	return ctx
}

func newPool(t *testing.T, workers int) *asynckit.Pool {
	t.Helper()
	p, err := asynckit.NewPool(workers)
	if err != nil {
		t.Fatalf("NewPool(%d): %v", workers, err)
	}
	t.Cleanup(func() {
		if err := p.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return p
}

func get[T any](t *testing.T, v *asynckit.Value[T]) T {
	t.Helper()
	x, err := v.Get(testCtx(t))
	if err != nil {
		t.Fatalf("Get: %v", err)
	}
	return x
}

// getErr returns the *Error of a value that must fail.
func getErr[T any](t *testing.T, v *asynckit.Value[T]) *asynckit.Error {
	t.Helper()
	x, err := v.Get(testCtx(t))
	if err == nil {
		t.Fatalf("Get = %v, want an error", x)
	}
	var e *asynckit.Error
	if !errors.As(err, &e) {
		t.Fatalf("Get error %T %v is not an *asynckit.Error", err, err)
	}
	return e
}

// eventually waits, without sleeping, until cond holds; the bound makes a failure loud. gc runs
// the garbage collector (and so finalizers) while waiting.
func eventually(t *testing.T, what string, gc bool, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(bound)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("still waiting after %v for %s", bound, what)
		}
		if gc {
			runtime.GC()
		}
		runtime.Gosched()
	}
}

// TestMain checks, after every test, that every cgo.Handle the package made was deleted: none
// leaked, and since deleting a handle twice panics, none was deleted twice.
func TestMain(m *testing.M) {
	code := m.Run()
	if code == 0 {
		deadline := time.Now().Add(bound)
		for asynckit.LiveHandles() != 0 && time.Now().Before(deadline) {
			runtime.GC()
			runtime.Gosched()
		}
		if n := asynckit.LiveHandles(); n != 0 {
			fmt.Fprintf(os.Stderr, "FAIL: %d cgo handles still live after all tests\n", n)
			code = 1
		}
	}
	os.Exit(code)
}

// --- pool ------------------------------------------------------------------------------------

func TestNewPoolRejectsMoreThanMaxWorkers(t *testing.T) {
	p, err := asynckit.NewPool(asynckit.MaxWorkers + 1)
	if !errors.Is(err, asynckit.ErrInvalid) || p != nil {
		t.Fatalf("NewPool(MaxWorkers+1) = %v, %v; want nil, ErrInvalid", p, err)
	}
}

func TestNewPoolWithDefaultWorkersAndNameRunsWork(t *testing.T) {
	p, err := asynckit.NewPool(asynckit.DefaultWorkers, asynckit.WithName("gotest"))
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	if p.Workers() < 1 {
		t.Fatalf("Workers() = %d, want >= 1", p.Workers())
	}
	if got := get(t, asynckit.Do(p, func() (string, error) { return "ran", nil })); got != "ran" {
		t.Fatalf("got %q", got)
	}
}

func TestPoolWithZeroWorkersQueuesUntilResize(t *testing.T) {
	p := newPool(t, 0)
	v := asynckit.Do(p, func() (int, error) { return 7, nil })
	if v.IsSet() {
		t.Fatal("work ran on a pool with no workers")
	}
	if s, err := p.Stats(); err != nil || s.Queued != 1 || s.Submitted != 1 {
		t.Fatalf("Stats = %+v, %v; want 1 queued, 1 submitted", s, err)
	}
	if err := p.Resize(1); err != nil {
		t.Fatal(err)
	}
	if p.Workers() != 1 {
		t.Fatalf("Workers() = %d after Resize(1)", p.Workers())
	}
	if got := get(t, v); got != 7 {
		t.Fatalf("got %d", got)
	}
}

func TestResizeRejectsBadCountsAndAcceptsGrowAndShrink(t *testing.T) {
	p := newPool(t, 1)
	for _, n := range []int{-1, asynckit.MaxWorkers + 1} {
		if err := p.Resize(n); !errors.Is(err, asynckit.ErrInvalid) {
			t.Errorf("Resize(%d) = %v, want ErrInvalid", n, err)
		}
	}
	for _, n := range []int{3, 2, 1} {
		if err := p.Resize(n); err != nil || p.Workers() != n {
			t.Fatalf("Resize(%d) = %v, Workers() = %d", n, err, p.Workers())
		}
		if got := get(t, asynckit.Do(p, func() (int, error) { return n, nil })); got != n {
			t.Fatalf("got %d", got)
		}
	}
}

func TestStatsCountSubmittedWork(t *testing.T) {
	p := newPool(t, 2)
	const n = 50
	vs := make([]*asynckit.Value[int], n)
	for i := range vs {
		vs[i] = asynckit.Do(p, func() (int, error) { return 0, nil })
	}
	for _, v := range vs {
		get(t, v)
	}
	s, err := p.Stats()
	if err != nil {
		t.Fatal(err)
	}
	if s.Submitted < n || s.Completed > s.Submitted || s.Workers > 2 {
		t.Fatalf("Stats = %+v after %d tasks on 2 workers", s, n)
	}
}

func TestCloseDrainsQueuedWorkOnTheCallingThread(t *testing.T) {
	p, err := asynckit.NewPool(0)
	if err != nil {
		t.Fatal(err)
	}
	vs := make([]*asynckit.Value[int], 10)
	for i := range vs {
		vs[i] = asynckit.Do(p, func() (int, error) { return i, nil })
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	for i, v := range vs {
		if !v.IsSet() {
			t.Fatalf("value %d not set after Close", i)
		}
		if got := get(t, v); got != i {
			t.Fatalf("value %d = %d", i, got)
		}
	}
}

func TestClosedPoolRefusesEverything(t *testing.T) {
	p, err := asynckit.NewPool(1)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	if err := p.Close(); err != nil {
		t.Fatalf("second Close = %v, want nil", err)
	}
	if err := p.Shutdown(context.Background()); err != nil {
		t.Fatalf("Shutdown after Close = %v, want nil", err)
	}
	if e := getErr(t, asynckit.Do(p, func() (int, error) { return 1, nil })); !errors.Is(e, asynckit.ErrShutdown) {
		t.Fatalf("Do after Close: %v, want ErrShutdown", e)
	}
	if err := p.Resize(2); !errors.Is(err, asynckit.ErrShutdown) {
		t.Fatalf("Resize after Close = %v", err)
	}
	if _, err := p.Stats(); !errors.Is(err, asynckit.ErrShutdown) {
		t.Fatalf("Stats after Close = %v", err)
	}
	if p.Workers() != 0 {
		t.Fatalf("Workers after Close = %d", p.Workers())
	}
}

func TestShutdownReturnsNilWhenEverythingRan(t *testing.T) {
	p, err := asynckit.NewPool(2)
	if err != nil {
		t.Fatal(err)
	}
	vs := make([]*asynckit.Value[int], 100)
	for i := range vs {
		vs[i] = asynckit.Do(p, func() (int, error) { return i, nil })
	}
	if err := p.Shutdown(testCtx(t)); err != nil {
		t.Fatalf("Shutdown = %v", err)
	}
	for i, v := range vs {
		if got := get(t, v); got != i {
			t.Fatalf("value %d = %d", i, got)
		}
	}
}

// blocker submits work that runs until its task is cancelled, and returns once it is running.
func blocker(t *testing.T, p *asynckit.Pool) *asynckit.Value[string] {
	t.Helper()
	started := asynckit.NewPromise[bool]()
	v := asynckit.DoTask(p, func(task *asynckit.Task) (string, error) {
		started.Set(true)
		for !task.Cancelled() {
			time.Sleep(time.Millisecond) // slow work, polling its flag
		}
		return "", asynckit.ErrCanceled
	})
	get(t, started.Value)
	return v
}

func testShutdownCancels(t *testing.T, ctx context.Context, want error) {
	p, err := asynckit.NewPool(1)
	if err != nil {
		t.Fatal(err)
	}
	running := blocker(t, p)
	var ran atomic.Int32
	queued := make([]*asynckit.Value[int], 5)
	for i := range queued {
		queued[i] = asynckit.Do(p, func() (int, error) { ran.Add(1); return i, nil })
	}
	if err := p.Shutdown(ctx); !errors.Is(err, want) {
		t.Fatalf("Shutdown = %v, want %v", err, want)
	}
	for i, v := range queued {
		if e := getErr(t, v); !errors.Is(e, asynckit.ErrCanceled) {
			t.Fatalf("queued value %d: %v, want ErrCanceled", i, e)
		}
	}
	if ran.Load() != 0 {
		t.Fatalf("%d cancelled tasks ran", ran.Load())
	}
	if e := getErr(t, running); !errors.Is(e, asynckit.ErrCanceled) {
		t.Fatalf("running value: %v, want ErrCanceled from the work", e)
	}
}

func TestShutdownCancelsWhenCtxIsCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	go cancel()
	testShutdownCancels(t, ctx, context.Canceled)
}

func TestShutdownCancelsAtCtxDeadline(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	testShutdownCancels(t, ctx, context.DeadlineExceeded)
}

func TestDefaultPoolRunsNilPoolWorkAndCannotBeClosed(t *testing.T) {
	d := asynckit.DefaultPool()
	if d == nil || d != asynckit.DefaultPool() {
		t.Fatal("DefaultPool is nil or not the same pool twice")
	}
	if err := d.Close(); !errors.Is(err, asynckit.ErrInvalid) {
		t.Fatalf("Close(default) = %v, want ErrInvalid", err)
	}
	if err := d.Shutdown(context.Background()); !errors.Is(err, asynckit.ErrInvalid) {
		t.Fatalf("Shutdown(default) = %v, want ErrInvalid", err)
	}
	if got := get(t, asynckit.Do(nil, func() (int, error) { return 3, nil })); got != 3 {
		t.Fatalf("Do(nil) = %d", got)
	}
	if got := get(t, asynckit.Do(d, func() (int, error) { return 4, nil })); got != 4 {
		t.Fatalf("Do(default) = %d", got)
	}
}

func TestCloseFromInsideOwnWorkFinishesThatWork(t *testing.T) {
	p, err := asynckit.NewPool(2)
	if err != nil {
		t.Fatal(err)
	}
	v := asynckit.Do(p, func() (string, error) {
		if err := p.Close(); err != nil {
			return "", err
		}
		return "closed", nil
	})
	if got := get(t, v); got != "closed" {
		t.Fatalf("got %q", got)
	}
	if e := getErr(t, asynckit.Do(p, func() (int, error) { return 0, nil })); !errors.Is(e, asynckit.ErrShutdown) {
		t.Fatalf("Do after Close from work: %v", e)
	}
}

func TestVersionMatchesHeader(t *testing.T) {
	if v := asynckit.Version(); v == "" || v != asynckit.HeaderVersion() {
		t.Fatalf("Version() = %q, HeaderVersion() = %q", v, asynckit.HeaderVersion())
	}
}

// --- values ----------------------------------------------------------------------------------

func TestDoSetsTheResultAndGetReadsItTwice(t *testing.T) {
	p := newPool(t, 2)
	type point struct{ x, y int }
	v := asynckit.Do(p, func() (*point, error) { return &point{1, 2}, nil })
	a, b := get(t, v), get(t, v)
	if a != b || *a != (point{1, 2}) {
		t.Fatalf("got %v and %v", a, b)
	}
	if !v.IsSet() {
		t.Fatal("IsSet false after Get")
	}
	if err := v.Wait(testCtx(t)); err != nil {
		t.Fatalf("Wait = %v", err)
	}
}

func TestDoWithNilFunctionFailsWithErrInvalid(t *testing.T) {
	p := newPool(t, 1)
	if e := getErr(t, asynckit.Do[int](p, nil)); !errors.Is(e, asynckit.ErrInvalid) {
		t.Fatalf("%v", e)
	}
	if e := getErr(t, asynckit.DoTask[int](p, nil)); !errors.Is(e, asynckit.ErrInvalid) {
		t.Fatalf("%v", e)
	}
	if e := getErr(t, asynckit.After[int](p, nil, nil)); !errors.Is(e, asynckit.ErrInvalid) {
		t.Fatalf("%v", e)
	}
	if e := getErr(t, asynckit.Then[int, int](nil, nil)); !errors.Is(e, asynckit.ErrInvalid) {
		t.Fatalf("%v", e)
	}
}

type notFoundError struct{ name string }

func (e *notFoundError) Error() string { return e.name + " not found" }

func TestWorkErrorKeepsItsTextAndErrorsAsGetsItBack(t *testing.T) {
	p := newPool(t, 2)
	orig := &notFoundError{"config"}
	e := getErr(t, asynckit.Do(p, func() (int, error) { return 0, orig }))
	if e.Code != asynckit.CodeWork || e.Message != "config not found" || e.Error() != "config not found" {
		t.Fatalf("error = %#v", e)
	}
	if !errors.Is(e, asynckit.ErrWork) || errors.Is(e, asynckit.ErrCanceled) {
		t.Fatal("errors.Is against sentinels is wrong")
	}
	var nf *notFoundError
	if !errors.As(e, &nf) || nf != orig {
		t.Fatalf("errors.As found %v, want the original error", nf)
	}
}

func TestWorkErrorWrappingAnErrorUsesItsCode(t *testing.T) {
	p := newPool(t, 2)
	e := getErr(t, asynckit.Do(p, func() (int, error) { return 0, &asynckit.Error{Code: 42, Message: "answer"} }))
	if e.Code != 42 || e.Message != "answer" {
		t.Fatalf("error = %#v", e)
	}
	e = getErr(t, asynckit.Do(p, func() (int, error) { return 0, fmt.Errorf("slow disk: %w", asynckit.ErrTimeout) }))
	if !errors.Is(e, asynckit.ErrTimeout) || e.Code != asynckit.CodeTimeout || e.Message != "slow disk: timed out" {
		t.Fatalf("error = %#v", e)
	}
}

func TestPanicInWorkFailsTheValueWithThePanicText(t *testing.T) {
	p := newPool(t, 2)
	e := getErr(t, asynckit.Do(p, func() (int, error) { panic("kaboom") }))
	if e.Code != asynckit.CodeWork || e.Message != "panic: kaboom" {
		t.Fatalf("error = %#v", e)
	}
	var pe *asynckit.PanicError
	if !errors.As(e, &pe) || pe.Value != "kaboom" || !strings.Contains(string(pe.Stack), "TestPanicInWork") {
		t.Fatalf("PanicError = %#v", pe)
	}
	sentinel := errors.New("inner")
	e = getErr(t, asynckit.Then(asynckit.Do(p, func() (int, error) { return 1, nil }), func(int) (int, error) { panic(sentinel) }))
	if !errors.Is(e, sentinel) || e.Message != "panic: inner" {
		t.Fatalf("panic with an error: %#v", e)
	}
	var nilMap map[string]int
	e = getErr(t, asynckit.Do(p, func() (int, error) { nilMap["x"] = 1; return 0, nil }))
	if !strings.HasPrefix(e.Message, "panic: assignment to entry in nil map") {
		t.Fatalf("runtime panic: %#v", e)
	}
	// The pool still works.
	if got := get(t, asynckit.Do(p, func() (int, error) { return 5, nil })); got != 5 {
		t.Fatalf("got %d", got)
	}
}

// cancelOnWait is a context that cancels itself once a waiter asks for its Done channel: the
// cancellation then happens while the waiter waits, with no sleep to arrange it.
type cancelOnWait struct {
	context.Context
	cancel context.CancelFunc
	once   sync.Once
}

func newCancelOnWait() *cancelOnWait {
	ctx, cancel := context.WithCancel(context.Background())
	return &cancelOnWait{Context: ctx, cancel: cancel}
}

func (c *cancelOnWait) Done() <-chan struct{} {
	c.once.Do(func() { go c.cancel() })
	return c.Context.Done()
}

func TestGetReturnsCtxErrWhenCtxIsCancelledWhileWaiting(t *testing.T) {
	p := asynckit.NewPromise[int]()
	defer p.Release()
	if _, err := p.Get(newCancelOnWait()); !errors.Is(err, context.Canceled) {
		t.Fatalf("Get = %v, want context.Canceled", err)
	}
	if err := p.Wait(newCancelOnWait()); !errors.Is(err, context.Canceled) {
		t.Fatalf("Wait = %v, want context.Canceled", err)
	}
	if p.IsSet() {
		t.Fatal("a cancelled wait changed the value")
	}
	p.Set(9)
	if got := get(t, p.Value); got != 9 {
		t.Fatalf("got %d", got)
	}
}

func TestGetReturnsDeadlineExceededAtTheDeadline(t *testing.T) {
	p := asynckit.NewPromise[int]()
	v := asynckit.Then(p.Value, func(x int) (int, error) { return x + 1, nil })
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	if _, err := v.Get(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Get = %v, want DeadlineExceeded", err)
	}
	p.Set(1)
	if got := get(t, v); got != 2 {
		t.Fatalf("got %d", got)
	}
}

func TestGetPrefersASetValueOverAnEndedCtx(t *testing.T) {
	p := asynckit.NewPromise[int]()
	p.Set(3)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if got, err := p.Get(ctx); err != nil || got != 3 {
		t.Fatalf("Get = %d, %v", got, err)
	}
}

func TestDoneWorksInSelect(t *testing.T) {
	p := newPool(t, 2)
	gate := asynckit.NewPromise[int]()
	v := asynckit.Then(gate.Value, func(x int) (int, error) { return x * 2, nil })
	select {
	case <-v.Done():
		t.Fatal("Done closed before the value was set")
	default:
	}
	gate.Set(21)
	select {
	case <-v.Done():
	case <-testCtx(t).Done():
		t.Fatal("Done never closed")
	}
	if !v.IsSet() || get(t, v) != 42 {
		t.Fatal("wrong value after Done")
	}
	// Done closes for failures too, and several values can be selected on.
	a := asynckit.Do(p, func() (int, error) { return 0, errors.New("a failed") })
	b := asynckit.NewPromise[int]()
	defer b.Release()
	select {
	case <-a.Done():
	case <-b.Done():
		t.Fatal("b was never set")
	case <-testCtx(t).Done():
		t.Fatal("Done never closed for a failure")
	}
}

func TestCancelOfQueuedWorkFailsItWithErrCanceledAndItNeverRuns(t *testing.T) {
	p := newPool(t, 0)
	var ran atomic.Bool
	v := asynckit.Do(p, func() (int, error) { ran.Store(true); return 1, nil })
	if err := v.Cancel(); err != nil {
		t.Fatalf("Cancel = %v", err)
	}
	if e := getErr(t, v); !errors.Is(e, asynckit.ErrCanceled) {
		t.Fatalf("%v", e)
	}
	if err := v.Cancel(); !errors.Is(err, asynckit.ErrState) {
		t.Fatalf("second Cancel = %v, want ErrState", err)
	}
	p.Resize(1)
	get(t, asynckit.Do(p, func() (int, error) { return 0, nil }))
	if ran.Load() {
		t.Fatal("cancelled work ran")
	}
}

func TestCancelOfRunningWorkRaisesItsFlag(t *testing.T) {
	p := newPool(t, 1)
	v := blocker(t, p)
	if err := v.Cancel(); !errors.Is(err, asynckit.ErrState) {
		t.Fatalf("Cancel of running work = %v, want ErrState", err)
	}
	if e := getErr(t, v); !errors.Is(e, asynckit.ErrCanceled) {
		t.Fatalf("%v", e)
	}
}

func TestCancelOfPromiseAndListsFailsThem(t *testing.T) {
	p := asynckit.NewPromise[int]()
	if err := p.Cancel(); err != nil {
		t.Fatal(err)
	}
	if e := getErr(t, p.Value); !errors.Is(e, asynckit.ErrCanceled) {
		t.Fatalf("%v", e)
	}
	if err := p.Set(1); !errors.Is(err, asynckit.ErrState) {
		t.Fatalf("Set after Cancel = %v", err)
	}
	el := asynckit.NewPromise[int]()
	j := asynckit.Join(el.Value)
	if err := j.Cancel(); err != nil {
		t.Fatal(err)
	}
	if e := getErr(t, j); !errors.Is(e, asynckit.ErrCanceled) {
		t.Fatalf("%v", e)
	}
	if el.IsSet() {
		t.Fatal("cancelling a join touched its element")
	}
	a := asynckit.Any(el.Value)
	if err := a.Cancel(); err != nil {
		t.Fatal(err)
	}
	if e := getErr(t, a); !errors.Is(e, asynckit.ErrCanceled) {
		t.Fatalf("%v", e)
	}
	el.Set(1)
}

func TestThenContinuesWithTheResult(t *testing.T) {
	p := newPool(t, 2)
	v := asynckit.Do(p, func() (int, error) { return 20, nil })
	s := asynckit.Then(asynckit.Then(v, func(x int) (int, error) { return x + 1, nil }),
		func(x int) (string, error) { return fmt.Sprint(x * 2), nil })
	if got := get(t, s); got != "42" {
		t.Fatalf("got %q", got)
	}
	// On a value set already.
	if got := get(t, asynckit.Then(v, func(x int) (int, error) { return -x, nil })); got != -20 {
		t.Fatalf("got %d", got)
	}
}

func TestThenOnAFailedValueCarriesItsCodeMessageAndError(t *testing.T) {
	p := newPool(t, 2)
	orig := &notFoundError{"key"}
	var ran atomic.Bool
	v := asynckit.Do(p, func() (int, error) { return 0, orig })
	w := asynckit.Then(asynckit.Then(v, func(x int) (int, error) { ran.Store(true); return x, nil }),
		func(x int) (int, error) { ran.Store(true); return x, nil })
	e := getErr(t, w)
	if e.Code != asynckit.CodeWork || e.Message != "input 0 failed: input 0 failed: key not found" {
		t.Fatalf("error = %#v", e)
	}
	var nf *notFoundError
	if !errors.As(e, &nf) || nf != orig {
		t.Fatal("errors.As lost the original error through two Thens")
	}
	if ran.Load() {
		t.Fatal("Then ran after its input failed")
	}
}

func TestThenOnAPromiseRunsOnTheDefaultPool(t *testing.T) {
	p := asynckit.NewPromise[string]()
	v := asynckit.Then(p.Value, func(s string) (int, error) { return len(s), nil })
	p.Set("four")
	if got := get(t, v); got != 4 {
		t.Fatalf("got %d", got)
	}
}

func TestThenOnAReleasedValueFailsWithErrInvalid(t *testing.T) {
	p := asynckit.NewPromise[int]()
	p.Release()
	if e := getErr(t, asynckit.Then(p.Value, func(x int) (int, error) { return x, nil })); !errors.Is(e, asynckit.ErrInvalid) {
		t.Fatalf("%v", e)
	}
}

func TestJoinCollectsResultsInOrder(t *testing.T) {
	p := newPool(t, 2)
	vs := make([]*asynckit.Value[int], 20)
	for i := range vs {
		vs[i] = asynckit.Do(p, func() (int, error) { return i * 10, nil })
	}
	got := get(t, asynckit.Join(vs...))
	for i, x := range got {
		if x != i*10 {
			t.Fatalf("got %v", got)
		}
	}
	if len(got) != len(vs) {
		t.Fatalf("got %d results", len(got))
	}
	sum := asynckit.Then(asynckit.Join(vs...), func(xs []int) (int, error) {
		s := 0
		for _, x := range xs {
			s += x
		}
		return s, nil
	})
	if got := get(t, sum); got != 1900 {
		t.Fatalf("Then on Join = %d", got)
	}
}

func TestJoinOfNothingIsSetAtOnceWithAnEmptySlice(t *testing.T) {
	j := asynckit.Join[int]()
	if !j.IsSet() {
		t.Fatal("empty Join is not set")
	}
	if got := get(t, j); got == nil || len(got) != 0 {
		t.Fatalf("got %#v", got)
	}
	n := get(t, asynckit.Then(j, func(xs []int) (int, error) { return len(xs) + 1, nil }))
	if n != 1 {
		t.Fatalf("Then on empty Join = %d", n)
	}
}

func TestJoinOfJoinsNests(t *testing.T) {
	p := newPool(t, 2)
	row := func(base int) *asynckit.Value[[]int] {
		return asynckit.Join(
			asynckit.Do(p, func() (int, error) { return base, nil }),
			asynckit.Do(p, func() (int, error) { return base + 1, nil }))
	}
	grid := asynckit.Join(row(0), row(10), asynckit.Join[int]())
	if got := fmt.Sprint(get(t, grid)); got != "[[0 1] [10 11] []]" {
		t.Fatalf("got %s", got)
	}
	total := asynckit.Then(grid, func(rows [][]int) (int, error) { return len(rows[0]) + len(rows[1]), nil })
	if got := get(t, total); got != 4 {
		t.Fatalf("Then on a join of joins = %d", got)
	}
}

func TestJoinFailsWithTheLowestFailedElement(t *testing.T) {
	p := newPool(t, 2)
	first := errors.New("first")
	a := asynckit.NewPromise[int]()
	b := asynckit.Do(p, func() (int, error) { return 0, first })
	c := asynckit.Do(p, func() (int, error) { return 0, &asynckit.Error{Code: 7, Message: "second"} })
	j := asynckit.Join(a.Value, b, c)
	a.Set(1)
	e := getErr(t, j)
	if e.Code != asynckit.CodeWork || e.Message != "element 1 failed: first" || !errors.Is(e, first) {
		t.Fatalf("error = %#v", e)
	}
	e = getErr(t, asynckit.Then(j, func(xs []int) (int, error) { return 0, nil }))
	if !errors.Is(e, first) || !strings.HasSuffix(e.Message, "first") {
		t.Fatalf("Then on a failed join: %#v", e)
	}
}

func TestAnyIsSetByTheFirstValue(t *testing.T) {
	a, b := asynckit.NewPromise[string](), asynckit.NewPromise[string]()
	v := asynckit.Any(a.Value, b.Value)
	b.Set("b")
	a.Set("a")
	if got := get(t, v); got != "b" {
		t.Fatalf("got %q", got)
	}
	if got := get(t, asynckit.Then(v, func(s string) (string, error) { return s + "!", nil })); got != "b!" {
		t.Fatalf("Then on Any = %q", got)
	}
}

func TestAnyTakesOnTheFirstFailure(t *testing.T) {
	a, b := asynckit.NewPromise[int](), asynckit.NewPromise[int]()
	defer a.Release()
	v := asynckit.Any(a.Value, b.Value)
	orig := &notFoundError{"b"}
	b.Fail(orig)
	e := getErr(t, v)
	var nf *notFoundError
	if e.Message != "b not found" || !errors.As(e, &nf) || nf != orig {
		t.Fatalf("error = %#v", e)
	}
}

func TestAnyOfNothingFailsWithErrInvalid(t *testing.T) {
	if e := getErr(t, asynckit.Any[int]()); !errors.Is(e, asynckit.ErrInvalid) {
		t.Fatalf("%v", e)
	}
}

func TestAnyOfJoins(t *testing.T) {
	a := asynckit.NewPromise[int]()
	defer a.Release()
	b := asynckit.NewPromise[int]()
	v := asynckit.Any(asynckit.Join(a.Value), asynckit.Join(b.Value, b.Value))
	b.Set(5)
	if got := fmt.Sprint(get(t, v)); got != "[5 5]" {
		t.Fatalf("got %s", got)
	}
}

func TestAfterRunsOnceDependenciesAreSet(t *testing.T) {
	p := newPool(t, 2)
	a := asynckit.NewPromise[int]()
	b := asynckit.Do(p, func() (string, error) { return "x", nil })
	v := asynckit.After(p, []asynckit.Future{a, b}, func() (string, error) {
		ctx := context.Background()
		n, err := a.Get(ctx)
		if err != nil {
			return "", err
		}
		s, err := b.Get(ctx)
		return strings.Repeat(s, n), err
	})
	if v.IsSet() {
		t.Fatal("After ran before its dependency was set")
	}
	a.Set(3)
	if got := get(t, v); got != "xxx" {
		t.Fatalf("got %q", got)
	}
	if got := get(t, asynckit.After(p, nil, func() (int, error) { return 1, nil })); got != 1 {
		t.Fatalf("After with no deps = %d", got)
	}
}

func TestAfterFailsWithTheLowestFailedDependency(t *testing.T) {
	p := newPool(t, 2)
	orig := &notFoundError{"dep"}
	ok := asynckit.Do(p, func() (int, error) { return 1, nil })
	bad := asynckit.Do(p, func() (string, error) { return "", orig })
	var ran atomic.Bool
	v := asynckit.After(p, []asynckit.Future{ok, bad}, func() (int, error) { ran.Store(true); return 0, nil })
	e := getErr(t, v)
	var nf *notFoundError
	if e.Message != "input 1 failed: dep not found" || !errors.As(e, &nf) || nf != orig {
		t.Fatalf("error = %#v", e)
	}
	if ran.Load() {
		t.Fatal("After ran although a dependency failed")
	}
	released := asynckit.NewPromise[int]()
	released.Release()
	if e := getErr(t, asynckit.After(p, []asynckit.Future{released}, func() (int, error) { return 0, nil })); !errors.Is(e, asynckit.ErrInvalid) {
		t.Fatalf("After on a released value: %v", e)
	}
}

func TestPromiseSetAndFailWorkOnceAndFromAnyGoroutine(t *testing.T) {
	p := asynckit.NewPromise[int]()
	var wg sync.WaitGroup
	var wins atomic.Int32
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			var err error
			if i%2 == 0 {
				err = p.Set(i)
			} else {
				err = p.Fail(fmt.Errorf("fail %d", i))
			}
			if err == nil {
				wins.Add(1)
			} else if !errors.Is(err, asynckit.ErrState) {
				t.Errorf("losing Set/Fail = %v, want ErrState", err)
			}
		}(i)
	}
	wg.Wait()
	if wins.Load() != 1 {
		t.Fatalf("%d of Set/Fail won", wins.Load())
	}
	x, err := p.Get(testCtx(t))
	if err == nil && x%2 != 0 || err != nil && !strings.HasPrefix(err.Error(), "fail ") {
		t.Fatalf("Get = %d, %v", x, err)
	}
	if err := asynckit.NewPromise[int]().Fail(nil); !errors.Is(err, asynckit.ErrInvalid) {
		t.Fatalf("Fail(nil) = %v", err)
	}
}

func TestPromiseFailWithALibraryErrorUsesItsCode(t *testing.T) {
	p := asynckit.NewPromise[int]()
	p.Fail(asynckit.ErrTimeout)
	e := getErr(t, p.Value)
	if e.Code != asynckit.CodeTimeout || !errors.Is(e, asynckit.ErrTimeout) {
		t.Fatalf("error = %#v", e)
	}
}

func TestReleasingAnUnsetPromiseFailsWhatDependsOnIt(t *testing.T) {
	p := asynckit.NewPromise[int]()
	v := asynckit.Then(p.Value, func(x int) (int, error) { return x, nil })
	p.Release()
	p.Release() // idempotent
	if e := getErr(t, v); !errors.Is(e, asynckit.ErrCanceled) {
		t.Fatalf("%v", e)
	}
	if e := getErr(t, p.Value); !errors.Is(e, asynckit.ErrCanceled) {
		t.Fatalf("Get after Release of an abandoned promise: %v", e)
	}
	if err := p.Set(1); !errors.Is(err, asynckit.ErrInvalid) {
		t.Fatalf("Set after Release = %v", err)
	}
}

func TestReleasedValueStillWaitsButHasNoResult(t *testing.T) {
	p := newPool(t, 1)
	v := asynckit.Do(p, func() (int, error) { return 1, nil })
	if err := v.Wait(testCtx(t)); err != nil {
		t.Fatal(err)
	}
	v.Release()
	if err := v.Wait(testCtx(t)); err != nil {
		t.Fatalf("Wait after Release = %v", err)
	}
	if _, err := v.Get(testCtx(t)); !errors.Is(err, asynckit.ErrInvalid) {
		t.Fatalf("Get after Release = %v, want ErrInvalid", err)
	}
	if err := v.Cancel(); !errors.Is(err, asynckit.ErrInvalid) {
		t.Fatalf("Cancel after Release = %v", err)
	}
	if !v.IsSet() {
		t.Fatal("IsSet after Release of a set value")
	}
	if e := getErr(t, asynckit.Join(v)); !errors.Is(e, asynckit.ErrInvalid) {
		t.Fatalf("Join of a released value: %v", e)
	}
	if e := getErr(t, asynckit.Any(v)); !errors.Is(e, asynckit.ErrInvalid) {
		t.Fatalf("Any of a released value: %v", e)
	}
}

func TestReleaseFreesTheResult(t *testing.T) {
	p := newPool(t, 2)
	base := asynckit.LiveHandles()
	const n = 100
	vs := make([]*asynckit.Value[[]byte], n)
	for i := range vs {
		vs[i] = asynckit.Do(p, func() ([]byte, error) { return make([]byte, 1024), nil })
	}
	for _, v := range vs {
		get(t, v)
	}
	if live := asynckit.LiveHandles(); live < base+n {
		t.Fatalf("%d handles live while %d results are held (base %d)", live, n, base)
	}
	for _, v := range vs {
		v.Release()
	}
	eventually(t, "the results to be freed", false, func() bool { return asynckit.LiveHandles() <= base })
}

func TestValueDroppedUnreadIsFreedByItsFinalizer(t *testing.T) {
	p := newPool(t, 2)
	base := asynckit.LiveHandles()
	func() {
		vs := make([]*asynckit.Value[[]byte], 100)
		for i := range vs {
			vs[i] = asynckit.Do(p, func() ([]byte, error) { return make([]byte, 1024), nil })
		}
		for _, v := range vs {
			<-v.Done()
		}
	}()
	eventually(t, "finalizers to free dropped results", true, func() bool { return asynckit.LiveHandles() <= base })
}

func TestErrorsMatchTheirSentinelsOnly(t *testing.T) {
	sentinels := map[int]error{
		asynckit.CodeInvalid: asynckit.ErrInvalid, asynckit.CodeNoMemory: asynckit.ErrNoMemory,
		asynckit.CodeTimeout: asynckit.ErrTimeout, asynckit.CodeCanceled: asynckit.ErrCanceled,
		asynckit.CodeShutdown: asynckit.ErrShutdown, asynckit.CodeState: asynckit.ErrState,
		asynckit.CodePending: asynckit.ErrPending, asynckit.CodeWork: asynckit.ErrWork,
	}
	for code, s := range sentinels {
		e := &asynckit.Error{Code: code, Message: "m"}
		for other, s2 := range sentinels {
			if got := errors.Is(e, s2); got != (other == code) {
				t.Errorf("errors.Is(code %d, sentinel %d) = %v", code, other, got)
			}
		}
		if s.Error() != asynckit.StatusText(code) || s.Error() == "unknown error" {
			t.Errorf("sentinel %d text %q", code, s.Error())
		}
	}
	if asynckit.StatusText(5) != "work-defined error" || asynckit.StatusText(-99) != "unknown error" {
		t.Error("StatusText of non-library codes")
	}
	if (&asynckit.Error{Code: asynckit.CodeTimeout}).Error() != "timed out" {
		t.Error("an Error without a message does not use the code's text")
	}
	if errors.Is(&asynckit.Error{Code: 1}, &asynckit.Error{Code: 1}) {
		t.Error("a non-sentinel Error matched by code")
	}
}

func TestNestedWaitInsideWorkOnOneWorkerDoesNotDeadlock(t *testing.T) {
	p := newPool(t, 1)
	for _, name := range []string{"background", "cancellable"} {
		v := asynckit.Do(p, func() (int, error) {
			inner := asynckit.Do(p, func() (int, error) { return 41, nil })
			ctx := context.Background()
			if name == "cancellable" {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, bound)
				defer cancel()
			}
			x, err := inner.Get(ctx)
			return x + 1, err
		})
		if got := get(t, v); got != 42 {
			t.Fatalf("%s: got %d", name, got)
		}
	}
}

func TestWaitInsideWorkEndsWithItsCtx(t *testing.T) {
	p := newPool(t, 1)
	never := asynckit.NewPromise[int]()
	defer never.Release()
	v := asynckit.Do(p, func() (int, error) {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
		defer cancel()
		return never.Get(ctx)
	})
	if e := getErr(t, v); !errors.Is(e, context.DeadlineExceeded) || e.Message != "context deadline exceeded" {
		t.Fatalf("%#v", e)
	}
	w := asynckit.Do(p, func() (int, error) {
		return 0, never.Wait(newCancelOnWait())
	})
	if e := getErr(t, w); !errors.Is(e, context.Canceled) {
		t.Fatalf("%#v", e)
	}
}

func TestHundredThousandTasksReturnTheirOwnResults(t *testing.T) {
	p := newPool(t, asynckit.DefaultWorkers)
	const n = 100_000
	vs := make([]*asynckit.Value[int], n)
	for i := range vs {
		vs[i] = asynckit.Do(p, func() (int, error) { return i * 3, nil })
	}
	ctx := testCtx(t)
	for i, v := range vs {
		x, err := v.Get(ctx)
		if err != nil || x != i*3 {
			t.Fatalf("value %d = %d, %v", i, x, err)
		}
		v.Release()
	}
}

func TestManyGoroutinesSubmitAndChainConcurrently(t *testing.T) {
	p := newPool(t, 2)
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			ctx := context.Background()
			for i := 0; i < 500; i++ {
				v := asynckit.Then(asynckit.Do(p, func() (int, error) { return g*1000 + i, nil }),
					func(x int) (int, error) { return x + 1, nil })
				x, err := v.Get(ctx)
				if err != nil || x != g*1000+i+1 {
					t.Errorf("got %d, %v", x, err)
					return
				}
				v.Release()
			}
		}(g)
	}
	wg.Wait()
}
