package asynckit_test

// The names aligned with C and the other bindings (DoAfter, Chain, ChainOn) and their aliases.

import (
	"errors"
	"strings"
	"testing"

	"asynckit.dev/go/asynckit"
)

func TestDoAfterAndItsAliasAfterRunOnceDependenciesAreSet(t *testing.T) {
	p := newPool(t, 2)
	type work = func() (string, error)
	type submitFn = func(*asynckit.Pool, []asynckit.Future, work) *asynckit.Value[string]
	for name, submit := range map[string]submitFn{
		"DoAfter": asynckit.DoAfter[string],
		"After":   asynckit.After[string],
	} {
		a := asynckit.NewPromise[int]()
		b := asynckit.Do(p, func() (string, error) { return "x", nil })
		v := submit(p, []asynckit.Future{a, b}, func() (string, error) {
			n, err := a.Get(testCtx(t))
			if err != nil {
				return "", err
			}
			s, err := b.Get(testCtx(t))
			return strings.Repeat(s, n), err
		})
		if v.IsSet() {
			t.Fatalf("%s ran before its dependency was set", name)
		}
		a.Set(2)
		if got := get(t, v); got != "xx" {
			t.Fatalf("%s: got %q", name, got)
		}
	}
}

func TestChainAndItsAliasThenContinueWithTheResult(t *testing.T) {
	p := newPool(t, 2)
	v := asynckit.Do(p, func() (int, error) { return 20, nil })
	w := asynckit.Then(asynckit.Chain(v, func(x int) (int, error) { return x + 1, nil }),
		func(x int) (int, error) { return x * 2, nil })
	if got := get(t, w); got != 42 {
		t.Fatalf("got %d", got)
	}
	e := getErr(t, asynckit.Chain[int, int](nil, func(x int) (int, error) { return x, nil }))
	if !errors.Is(e, asynckit.ErrInvalid) {
		t.Fatalf("Chain(nil): %v", e)
	}
}

// ChainOn's work must run on the pool given, not on its value's: with that pool at zero workers
// it waits in that pool's queue until the pool gets a worker.
func TestChainOnRunsOnTheGivenPool(t *testing.T) {
	computes := newPool(t, 1)
	runs := newPool(t, 0)
	v := asynckit.Do(computes, func() (int, error) { return 20, nil })
	w := asynckit.ChainOn(runs, v, func(x int) (int, error) { return x + 1, nil })
	get(t, v)
	eventually(t, "the chained work in the given pool's queue", false, func() bool {
		s, err := runs.Stats()
		return err == nil && s.Queued == 1
	})
	if w.IsSet() {
		t.Fatal("ChainOn's work ran although its pool has no worker")
	}
	if err := runs.Resize(1); err != nil {
		t.Fatalf("Resize: %v", err)
	}
	if got := get(t, w); got != 21 {
		t.Fatalf("got %d", got)
	}
}

func TestChainOnANilPoolUsesTheDefaultPool(t *testing.T) {
	p := asynckit.NewPromise[string]()
	v := asynckit.ChainOn(nil, p.Value, func(s string) (int, error) { return len(s), nil })
	p.Set("four")
	if got := get(t, v); got != 4 {
		t.Fatalf("got %d", got)
	}
}

func TestChainOnAClosedPoolFailsWithErrShutdown(t *testing.T) {
	p, err := asynckit.NewPool(1)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	v := asynckit.NewPromise[int]()
	defer v.Release()
	e := getErr(t, asynckit.ChainOn(p, v.Value, func(x int) (int, error) { return x, nil }))
	if !errors.Is(e, asynckit.ErrShutdown) {
		t.Fatalf("%v", e)
	}
}

func TestChainOnAFailedValueCarriesItsCodeMessageAndError(t *testing.T) {
	p := newPool(t, 2)
	orig := &notFoundError{"key"}
	v := asynckit.Do(p, func() (int, error) { return 0, orig })
	e := getErr(t, asynckit.ChainOn(p, v, func(x int) (int, error) { return x, nil }))
	var nf *notFoundError
	if e.Code != asynckit.CodeWork || e.Message != "input 0 failed: key not found" ||
		!errors.As(e, &nf) || nf != orig {
		t.Fatalf("error = %#v", e)
	}
}
