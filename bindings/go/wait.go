package asynckit

import (
	"context"

	"asynckit.dev/go/asynckit/internal/capi"
)

// waitSet waits until v is set or ctx ends.
func (v *Value[T]) waitSet(ctx context.Context) error {
	if ctx == nil {
		ctx = context.Background()
	}
	select {
	case <-v.core.done:
		return nil
	default:
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if capi.InWork() {
		if set, err, ok := v.waitInWork(ctx); ok {
			if !set {
				return err
			}
			return nil
		}
	}
	select {
	case <-v.core.done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// waitInWork waits inside work with the library's own wait, which runs other queued work of the
// worker's pool meanwhile (a goroutine parked in select would hold the worker idle, and with one
// worker the work it waits for would never run). ctx's end fails a promise that an any-list
// joins with v, which ends the wait. ok is false if v was released.
func (v *Value[T]) waitInWork(ctx context.Context) (set bool, err error, ok bool) {
	v.mu.RLock()
	c := v.c
	if !c.IsNil() {
		c.Retain()
	}
	v.mu.RUnlock()
	if c.IsNil() {
		return false, nil, false
	}
	defer c.Release()
	if ctx.Done() == nil {
		c.Wait(capi.Forever)
		return true, nil, true
	}
	stop, rc := capi.NewValue()
	if rc != 0 {
		return false, nil, false
	}
	defer stop.Release()
	list, rc := capi.ListAny([]capi.Value{c, stop})
	if rc != 0 {
		return false, nil, false
	}
	defer list.Release()
	stop.Retain() // the AfterFunc's reference
	unregister := context.AfterFunc(ctx, func() {
		stop.FailCode(CodeCanceled)
		stop.Release()
	})
	list.Wait(capi.Forever)
	if unregister() {
		stop.Release() // the AfterFunc will not run
	}
	if c.IsSet() {
		return true, nil, true
	}
	return false, ctx.Err(), true
}
