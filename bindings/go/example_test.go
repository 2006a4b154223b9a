package asynckit_test

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"asynckit.dev/go/asynckit"
)

func Example() {
	pool, err := asynckit.NewPool(2, asynckit.WithName("example"))
	if err != nil {
		panic(err)
	}
	defer pool.Close()
	ctx := context.Background()

	// Work runs on the pool; Then continues it there without blocking anyone.
	words := asynckit.Do(pool, func() ([]string, error) {
		return strings.Fields("the quick brown fox"), nil
	})
	count := asynckit.Then(words, func(ws []string) (int, error) { return len(ws), nil })
	n, err := count.Get(ctx)
	fmt.Println(n, err)

	// Join waits for all of its values and keeps their order.
	parts := make([]*asynckit.Value[int], 4)
	for i := range parts {
		parts[i] = asynckit.Do(pool, func() (int, error) { return i * i, nil })
	}
	squares, _ := asynckit.Join(parts...).Get(ctx)
	fmt.Println(squares)

	// Failures are *Error values; the work's own Go error is kept for errors.As.
	notFound := errors.New("no such word")
	failed := asynckit.Do(pool, func() (string, error) { return "", notFound })
	_, err = failed.Get(ctx)
	fmt.Println(err, errors.Is(err, notFound), errors.Is(err, asynckit.ErrWork))

	// A promise is set by hand; Done makes a value usable in select.
	p := asynckit.NewPromise[string]()
	go p.Set("hello")
	select {
	case <-p.Done():
		s, _ := p.Get(ctx)
		fmt.Println(s)
	case <-ctx.Done():
	}
	// Output:
	// 4 <nil>
	// [0 1 4 9]
	// no such word true true
	// hello
}
