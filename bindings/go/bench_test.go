package asynckit_test

// Per-task cost of the binding: what crossing cgo, handles and the done callback add to a task.
// Each iteration submits 10,000 tiny tasks and reads every result, so ns/task is the figure to
// compare between versions (run with -count >= 5; the machine's noise is larger than one run).

import (
	"context"
	"testing"

	"asynckit.dev/go/asynckit"
)

const benchTasks = 10_000

func benchPool(b *testing.B) *asynckit.Pool {
	b.Helper()
	p, err := asynckit.NewPool(2)
	if err != nil {
		b.Fatalf("NewPool: %v", err)
	}
	b.Cleanup(func() { p.Close() })
	return p
}

// readAll reads every value; a wrong result fails the benchmark, so it measures working code.
func readAll(b *testing.B, vs []*asynckit.Value[int], want func(i int) int) {
	b.Helper()
	ctx := context.Background()
	for i, v := range vs {
		x, err := v.Get(ctx)
		if err != nil || x != want(i) {
			b.Fatalf("value %d = %d, %v; want %d", i, x, err, want(i))
		}
		v.Release()
	}
}

func BenchmarkDoGet(b *testing.B) {
	p := benchPool(b)
	vs := make([]*asynckit.Value[int], benchTasks)
	b.ResetTimer()
	for range b.N {
		for i := range vs {
			vs[i] = asynckit.Do(p, func() (int, error) { return i, nil })
		}
		readAll(b, vs, func(i int) int { return i })
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*benchTasks), "ns/task")
}

func BenchmarkDoThenGet(b *testing.B) {
	p := benchPool(b)
	vs := make([]*asynckit.Value[int], benchTasks)
	b.ResetTimer()
	for range b.N {
		for i := range vs {
			first := asynckit.Do(p, func() (int, error) { return i, nil })
			vs[i] = asynckit.Then(first, func(x int) (int, error) { return x + 1, nil })
			first.Release()
		}
		readAll(b, vs, func(i int) int { return i + 1 })
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(2*b.N*benchTasks), "ns/task")
}
