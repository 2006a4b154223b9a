package asynckit_test

// Error.FailedIndex (ak_value_failed_index) and the causes found through it.

import (
	"errors"
	"testing"

	"asynckit.dev/go/asynckit"
)

func TestFailedIndexNamesTheInputAFailureCameFrom(t *testing.T) {
	p := newPool(t, 2)
	orig := &notFoundError{"x"}
	ok := asynckit.Do(p, func() (int, error) { return 1, nil })
	bad := asynckit.Do(p, func() (int, error) { return 0, orig })
	join := asynckit.Join(ok, ok, bad)
	unset := asynckit.NewPromise[int]()
	defer unset.Release()
	cases := []struct {
		name string
		v    asynckit.Future
		want int
	}{
		{"DoAfter", asynckit.DoAfter(p, []asynckit.Future{ok, bad},
			func() (int, error) { return 0, nil }), 1},
		{"Chain", asynckit.Chain(bad, func(x int) (int, error) { return x, nil }), 0},
		{"ChainOn", asynckit.ChainOn(p, bad, func(x int) (int, error) { return x, nil }), 0},
		{"Join", join, 2},
		// On a join list the library names the list's failed element.
		{"Chain on a Join", asynckit.Chain(join, func(xs []int) (int, error) { return 0, nil }), 2},
		{"Any", asynckit.Any(unset.Value, bad), 1},
	}
	for _, c := range cases {
		err := c.v.Wait(testCtx(t))
		var e *asynckit.Error
		if !errors.As(err, &e) {
			t.Fatalf("%s: error %v is not an *Error", c.name, err)
		}
		if e.FailedIndex() != c.want {
			t.Errorf("%s: FailedIndex = %d, want %d (%q)", c.name, e.FailedIndex(), c.want, e.Message)
		}
		var nf *notFoundError
		if !errors.As(err, &nf) || nf != orig {
			t.Errorf("%s: errors.As lost the failed input's error: %#v", c.name, e)
		}
	}
}

func TestFailedIndexIsMinusOneForOtherFailures(t *testing.T) {
	p := newPool(t, 1)
	work := asynckit.Do(p, func() (int, error) { return 0, errors.New("own") })
	promise := asynckit.NewPromise[int]()
	promise.Fail(errors.New("by hand"))
	cancelled := asynckit.NewPromise[int]()
	cancelled.Cancel()
	for name, v := range map[string]*asynckit.Value[int]{
		"work": work, "promise": promise.Value, "cancelled": cancelled.Value,
	} {
		if i := getErr(t, v).FailedIndex(); i != -1 {
			t.Errorf("%s: FailedIndex = %d, want -1", name, i)
		}
	}
	if i := (&asynckit.Error{Code: 3}).FailedIndex(); i != -1 {
		t.Errorf("literal Error: FailedIndex = %d", i)
	}
	if i := asynckit.ErrWork.FailedIndex(); i != -1 {
		t.Errorf("sentinel: FailedIndex = %d", i)
	}
}

func TestErrInternalIsTheSentinelForCodeInternal(t *testing.T) {
	if asynckit.StatusText(asynckit.CodeInternal) != "internal error" {
		t.Fatalf("StatusText = %q", asynckit.StatusText(asynckit.CodeInternal))
	}
	if !errors.Is(&asynckit.Error{Code: asynckit.CodeInternal}, asynckit.ErrInternal) ||
		errors.Is(&asynckit.Error{Code: asynckit.CodeWork}, asynckit.ErrInternal) {
		t.Fatal("ErrInternal matches the wrong codes")
	}
}

type panickyError struct{}

func (panickyError) Error() string { panic("Error() panics") }

// A panic the binding meets outside the work itself (here in the work's error's Error method)
// is stopped at the C edge: the value fails with ErrInternal instead of the process crashing.
func TestAPanicOutsideTheWorkIsStoppedAtTheCEdge(t *testing.T) {
	p := newPool(t, 1)
	e := getErr(t, asynckit.Do(p, func() (int, error) { return 0, panickyError{} }))
	if e.Code != asynckit.CodeInternal || !errors.Is(e, asynckit.ErrInternal) {
		t.Fatalf("error = %d %q", e.Code, e.Message)
	}
	if got := get(t, asynckit.Do(p, func() (int, error) { return 7, nil })); got != 7 {
		t.Fatalf("the pool's next work got %d", got)
	}
}
