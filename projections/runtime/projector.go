package runtime

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"

	"github.com/iup-platform/iup/eventstore"
	"github.com/iup-platform/iup/projections"
	"github.com/iup-platform/iup/projections/bus"
)

// projector runs one projection. mu is held while a batch is applied to the
// active namespace, so a rebuild can switch namespaces between batches.
type projector struct {
	rt      *Runtime
	p       projections.Projection
	handles map[string]bool
	fence   projections.Fence
	live    *workspace // the active namespace's documents; guarded by mu

	mu      sync.Mutex
	rebuild sync.Mutex  // one rebuild at a time
	fenced  atomic.Bool // the consumer stopped: another projector holds the lease

	state   sync.Mutex // guards the fields below, read by WaitFor and Lag
	ns      projections.Namespace
	cp      eventstore.Position
	lastAt  time.Time // recorded-at of the last applied event, zero if unknown
	changed chan struct{}
	parked  []Parked
}

func newProjector(rt *Runtime, p projections.Projection, fence projections.Fence) *projector {
	handles := make(map[string]bool, len(p.Handles))
	for _, t := range p.Handles {
		handles[t] = true
	}
	return &projector{rt: rt, p: p, handles: handles, fence: fence, changed: make(chan struct{})}
}

// snapshot returns the checkpoint of the active namespace and a channel
// closed when it next moves.
func (p *projector) snapshot() (eventstore.Position, <-chan struct{}) {
	p.state.Lock()
	defer p.state.Unlock()
	return p.cp, p.changed
}

func (p *projector) namespace() projections.Namespace {
	p.state.Lock()
	defer p.state.Unlock()
	return p.ns
}

// advance records that the active namespace ns reached cp.
func (p *projector) advance(ns projections.Namespace, cp eventstore.Position, at time.Time) {
	p.state.Lock()
	defer p.state.Unlock()
	if ns != p.ns {
		return
	}
	p.cp = cp
	if !at.IsZero() {
		p.lastAt = at
	}
	close(p.changed)
	p.changed = make(chan struct{})
}

// switchTo makes ns (at checkpoint cp) the active namespace.
func (p *projector) switchTo(ns projections.Namespace, cp eventstore.Position, at time.Time) {
	p.state.Lock()
	p.ns = ns
	p.state.Unlock()
	p.advance(ns, cp, at)
}

// workspace returns the documents of the active namespace ns, kept across
// batches; the caller holds mu.
func (p *projector) workspace(ns projections.Namespace) *workspace {
	if p.live == nil || p.live.ns != ns {
		p.live = newWorkspace(p.rt.cfg.Views, ns, nil, p.rt.cfg.Retry)
	}
	return p.live
}

// prepare resolves the active namespace and reports whether the view must
// be built: it has none, or one of another version of the projection.
func (p *projector) prepare(ctx context.Context) (bool, error) {
	views := p.rt.cfg.Views
	ns, err := views.Active(ctx, p.p.Name)
	if err != nil {
		return false, fmt.Errorf("projection %s: active namespace: %w", p.p.Name, err)
	}
	if ns == "" || !strings.HasPrefix(string(ns), string(p.p.Namespace(""))) {
		// The old version keeps serving until the new one is built, and is
		// dropped after the switch.
		p.switchTo(ns, eventstore.Start, time.Time{})
		p.rt.log.Info("building view", "projection", p.p.Name, "version", p.p.Version, "previous", string(ns))
		return true, nil
	}
	cp, _, err := views.Checkpoint(ctx, ns)
	if err != nil {
		return false, fmt.Errorf("projection %s: checkpoint: %w", p.p.Name, err)
	}
	p.switchTo(ns, cp, time.Time{})
	return false, nil
}

// catchUp applies everything in the log after the active checkpoint. A
// failing batch is tried again, from the stored checkpoint, until ctx
// ends: given up, the projection stopped for good on one store blip at
// start while its process ran on.
func (p *projector) catchUp(ctx context.Context) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	for attempt := 0; ; attempt++ {
		ns := p.namespace()
		if attempt > 0 {
			if stored, ok, err := p.rt.cfg.Views.Checkpoint(ctx, ns); err == nil && ok {
				p.advance(ns, stored, time.Time{})
			}
		}
		cp, _ := p.snapshot()
		_, _, err := p.drain(ctx, p.workspace(ns), cp)
		if err == nil || ctx.Err() != nil || errors.Is(err, projections.ErrFenced) {
			return err
		}
		p.rt.metrics.failed.WithLabelValues(p.p.Name).Inc()
		p.rt.log.Error("projection catch-up failed, will retry", "projection", p.p.Name, "err", err)
		if sleep(ctx, p.rt.cfg.Retry.pause(attempt)) != nil {
			return nil
		}
	}
}

// drain applies pages of the log after cp to ws's namespace until the head,
// and returns the new checkpoint and the recorded-at of its event (zero
// when nothing was applied).
func (p *projector) drain(ctx context.Context, ws *workspace, cp eventstore.Position) (eventstore.Position, time.Time, error) {
	var at time.Time
	for {
		page, err := p.rt.readLog(ctx, cp, p.rt.cfg.BatchSize)
		if err != nil {
			return cp, at, fmt.Errorf("projection %s: read log: %w", p.p.Name, err)
		}
		if len(page) == 0 {
			return cp, at, nil
		}
		if err := p.applyRun(ctx, ws, cp, entries(page)); err != nil {
			return cp, at, err
		}
		cp, at = page[len(page)-1].Position, page[len(page)-1].Metadata.RecordedAt
	}
}

// consume applies the feed until ctx ends, the feed closes or the
// projection is fenced off.
func (p *projector) consume(ctx context.Context, feed <-chan *message.Message) error {
	for {
		var msg *message.Message
		select {
		case <-ctx.Done():
			return nil
		case m, ok := <-feed:
			if !ok {
				return nil
			}
			msg = m
		}
		err := p.handle(ctx, msg)
		switch {
		case err == nil:
			msg.Ack()
		case errors.Is(err, projections.ErrFenced):
			msg.Nack()
			p.fenced.Store(true)
			p.rt.log.Warn("projection fenced off, stopping its consumer", "projection", p.p.Name)
			return nil
		case ctx.Err() != nil:
			return nil
		default:
			p.rt.metrics.failed.WithLabelValues(p.p.Name).Inc()
			p.rt.log.Error("projection batch failed, will retry", "projection", p.p.Name, "err", err)
			if sleep(ctx, p.rt.cfg.Retry.Max) != nil {
				return nil
			}
			msg.Nack()
		}
	}
}

// handle applies one message: a duplicate is skipped, a gap is filled from
// the event store, then the message's new events are applied.
func (p *projector) handle(ctx context.Context, msg *message.Message) error {
	b, err := bus.Decode(msg)
	if err != nil {
		// Unreadable: the next message fills the gap from the store.
		p.rt.log.Error("dropping unreadable bus message", "projection", p.p.Name, "err", err)
		return nil
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	for attempt := 0; ; attempt++ {
		ns := p.namespace()
		cp, _ := p.snapshot()
		if !cp.Before(b.Last()) {
			p.rt.metrics.duplicates.WithLabelValues(p.p.Name).Inc()
			return nil
		}
		run, err := p.runAfter(ctx, cp, b)
		if err != nil {
			return err
		}
		err = p.applyRun(ctx, p.workspace(ns), cp, entries(run))
		if !errors.Is(err, projections.ErrCheckpointMoved) || attempt > 2 {
			return err
		}
		// Someone else moved the checkpoint: re-read it and skip what is applied.
		stored, _, cerr := p.rt.cfg.Views.Checkpoint(ctx, ns)
		if cerr != nil {
			return cerr
		}
		p.advance(ns, stored, time.Time{})
	}
}

// runAfter returns the events after cp up to the batch's end: the gap
// between cp and the batch read from the store, then the batch's own.
func (p *projector) runAfter(ctx context.Context, cp eventstore.Position, b bus.Batch) ([]eventstore.RecordedEvent, error) {
	var run []eventstore.RecordedEvent
	if cp.Before(b.Prev) {
		p.rt.metrics.gaps.WithLabelValues(p.p.Name).Inc()
		after := cp
		for after.Before(b.Prev) {
			page, err := p.rt.readLog(ctx, after, p.rt.cfg.BatchSize)
			if err != nil {
				return nil, fmt.Errorf("projection %s: fill gap: %w", p.p.Name, err)
			}
			if len(page) == 0 {
				return nil, fmt.Errorf("projection %s: the log ends before %s, which the bus says exists", p.p.Name, b.Prev)
			}
			for _, ev := range page {
				if b.Prev.Before(ev.Position) {
					break
				}
				run = append(run, ev)
			}
			after = page[len(page)-1].Position
		}
	}
	for _, ev := range b.Events {
		if cp.Before(ev.Position) {
			run = append(run, ev)
		}
	}
	return run, nil
}

// readLog reads a page of the log after after, trying again as writes
// are: one blip of the event store (KurrentDB, over the network) failed a
// rebuild of minutes, or its catch-up after the pass.
func (r *Runtime) readLog(ctx context.Context, after eventstore.Position, limit int) ([]eventstore.RecordedEvent, error) {
	return retrying(ctx, r.cfg.Retry, func() ([]eventstore.RecordedEvent, error) {
		return r.cfg.Events.ReadAll(ctx, after, limit)
	})
}

// retrying calls f until it succeeds, r's attempts are spent or ctx ends,
// pausing with r's backoff, and returns its last result.
func retrying[T any](ctx context.Context, r Retry, f func() (T, error)) (T, error) {
	var v T
	var err error
	for attempt := range max(1, r.Attempts) {
		if attempt > 0 {
			if serr := sleep(ctx, r.pause(attempt-1)); serr != nil {
				return v, serr
			}
		}
		if v, err = f(); err == nil || ctx.Err() != nil {
			return v, err
		}
	}
	return v, err
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
