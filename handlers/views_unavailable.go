package handlers

import (
	"context"
	"errors"
	"fmt"

	"github.com/iup-platform/iup/eventstore"
)

// errViewsUnavailable marks a read of the views that failed for the
// store's sake (Redis gone or slow, a view not built yet): the request
// may succeed later, so it answers 503, not 500.
var errViewsUnavailable = errors.New("the views cannot be read")

// unavailableViews marks the errors of the views' store, so every read,
// the policy's and the waits for a consistency token included, answers
// them alike.
type unavailableViews struct {
	views  ViewReader
	waiter Waiter
}

func (u unavailableViews) Get(ctx context.Context, view string, keys ...string) ([][]byte, error) {
	docs, err := u.views.Get(ctx, view, keys...)
	return docs, markUnavailable(err)
}

// Scan marks the store's errors, not those of fn, which are the caller's.
func (u unavailableViews) Scan(ctx context.Context, view, prefix string, fn func(key string, value []byte) error) error {
	var fnErr error
	err := u.views.Scan(ctx, view, prefix, func(key string, value []byte) error {
		fnErr = fn(key, value)
		return fnErr
	})
	if fnErr != nil {
		return err
	}
	return markUnavailable(err)
}

func (u unavailableViews) WaitFor(ctx context.Context, view string, pos eventstore.Position) error {
	return markUnavailable(u.waiter.WaitFor(ctx, view, pos))
}

// markUnavailable marks err as the views', unless it is the request's own
// end, which has its own answer.
func markUnavailable(err error) error {
	if err == nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return fmt.Errorf("%w: %w", errViewsUnavailable, err)
}
