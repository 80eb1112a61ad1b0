package lease

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/iup-platform/iup/projections"
)

// Held is a granted lease, renewed in the background until it is released
// or lost. Lost is closed when a renewal finds another holder, or when the
// deadline passes without a successful renewal (Redis unreachable, or this
// process was paused): from then on the holder must stop writing. A holder
// that misses the signal is still stopped by the fence in the store.
type Held struct {
	lease *Lease
	fence projections.Fence

	lost     chan struct{}
	lostOnce sync.Once
	cause    error

	stop context.CancelFunc
	done chan struct{}
}

// Acquire waits until the lease is granted to this process, trying every
// retry (default ttl/4), then renews it in the background.
func (l *Lease) Acquire(ctx context.Context, retry time.Duration) (*Held, error) {
	if retry <= 0 {
		retry = l.ttl / 4
	}
	for {
		fence, deadline, ok, err := l.TryAcquire(ctx)
		if ok {
			return l.hold(fence, deadline), nil
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		_ = err // Redis unreachable: keep trying, like a busy lease
		t := time.NewTimer(retry)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, ctx.Err()
		case <-t.C:
		}
	}
}

func (l *Lease) hold(fence projections.Fence, deadline time.Time) *Held {
	ctx, stop := context.WithCancel(context.Background())
	h := &Held{lease: l, fence: fence, lost: make(chan struct{}), stop: stop, done: make(chan struct{})}
	go h.renewLoop(ctx, deadline)
	return h
}

// Fence is what every write made under this lease carries.
func (h *Held) Fence() projections.Fence { return h.fence }

// Lost is closed once the lease is lost.
func (h *Held) Lost() <-chan struct{} { return h.lost }

// Cause says why the lease was lost (nil while held or after Release).
func (h *Held) Cause() error {
	select {
	case <-h.lost:
		return h.cause
	default:
		return nil
	}
}

func (h *Held) markLost(cause error) {
	h.lostOnce.Do(func() {
		h.cause = cause
		close(h.lost)
	})
}

// renewLoop renews every ttl/3; after a failed renewal it tries again every
// ttl/10 until the deadline. Each renewal is bounded by the deadline: an
// answer that comes later proves nothing.
func (h *Held) renewLoop(ctx context.Context, deadline time.Time) {
	defer close(h.done)
	ttl := h.lease.ttl
	next := ttl / 3
	for {
		t := time.NewTimer(next)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		// A process paused past its deadline knows it lost the lease
		// without asking.
		if !time.Now().Before(deadline) {
			h.markLost(fmt.Errorf("lease %s: deadline passed without renewal", h.lease.key))
			return
		}
		rctx, cancel := context.WithDeadline(ctx, deadline)
		d, err := h.lease.Renew(rctx, h.fence)
		cancel()
		switch {
		case err == nil:
			deadline, next = d, ttl/3
		case errors.Is(err, ErrNotHeld):
			h.markLost(fmt.Errorf("lease %s: %w (another holder took it)", h.lease.key, err))
			return
		case ctx.Err() != nil:
			return
		default:
			next = ttl / 10
		}
	}
}

// Release stops renewing and frees the lease if it is still ours.
func (h *Held) Release(ctx context.Context) error {
	h.stop()
	<-h.done
	select {
	case <-h.lost:
		return nil
	default:
	}
	err := h.lease.Release(ctx, h.fence)
	h.markLost(nil)
	return err
}
