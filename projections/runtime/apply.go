package runtime

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/iup-platform/iup/eventstore"
	"github.com/iup-platform/iup/projections"
)

// Parked is an event a projection skipped after its Apply kept failing.
type Parked struct {
	EventID  string
	Position eventstore.Position
	Type     string
	Error    string
	At       time.Time
}

// Parked returns the events projection name has parked since this runtime
// started, oldest first (an admin reads them to decide on a fix and a
// rebuild).
func (r *Runtime) Parked(name string) ([]Parked, error) {
	p, err := r.projector(name)
	if err != nil {
		return nil, err
	}
	p.state.Lock()
	defer p.state.Unlock()
	return slices.Clone(p.parked), nil
}

// applyRun applies events (consecutive in the log, the first right after
// from) to ns in batches: each batch goes through one overlay and is
// committed with its checkpoint in one store call.
func (p *projector) applyRun(ctx context.Context, ns projections.Namespace, from eventstore.Position, events []eventstore.RecordedEvent, cache *docCache) error {
	size := p.rt.cfg.BatchSize
	for len(events) > 0 {
		n := min(size, len(events))
		batch := events[:n]
		events = events[n:]
		if err := p.applyBatch(ctx, ns, from, batch, cache); err != nil {
			return err
		}
		from = batch[n-1].Position
	}
	return nil
}

func (p *projector) applyBatch(ctx context.Context, ns projections.Namespace, from eventstore.Position, batch []eventstore.RecordedEvent, cache *docCache) error {
	views := p.rt.cfg.Views
	overlay := projections.NewOverlay(func(key string) ([]byte, error) {
		if v, ok := cache.get(key); ok {
			return v, nil
		}
		vals, err := views.Get(ctx, ns, key)
		if err != nil {
			return nil, err
		}
		return vals[0], nil
	})
	var parked []Parked
	for _, rec := range batch {
		if !p.p.HandlesType(rec.Type) {
			continue // the checkpoint still moves over it
		}
		if err := p.applyOne(ctx, overlay, rec); err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			parked = append(parked, Parked{EventID: rec.ID.String(), Position: rec.Position, Type: rec.Type, Error: err.Error(), At: p.rt.cfg.Clock()})
		}
	}
	to := batch[len(batch)-1].Position
	changes, err := overlay.Changes()
	if err != nil {
		return fmt.Errorf("projection %s: encode batch up to %s: %w", p.p.Name, to, err)
	}
	for attempt := 0; attempt < p.rt.cfg.Retry.Attempts; attempt++ {
		if attempt > 0 {
			if serr := sleep(ctx, p.rt.cfg.Retry.pause(attempt-1)); serr != nil {
				return serr
			}
		}
		err = views.Apply(ctx, ns, from, to, changes, p.fence)
		if err == nil || errors.Is(err, projections.ErrCheckpointMoved) || errors.Is(err, projections.ErrFenced) || ctx.Err() != nil {
			break
		}
	}
	if err != nil {
		return fmt.Errorf("projection %s: commit batch up to %s: %w", p.p.Name, to, err)
	}
	cache.commit(changes)
	p.rt.metrics.applied.WithLabelValues(p.p.Name).Add(float64(len(batch)))
	if len(parked) > 0 {
		p.rt.metrics.parked.WithLabelValues(p.p.Name).Add(float64(len(parked)))
		for _, pk := range parked {
			// No payload or error text in the log: they may hold personal data.
			p.rt.log.Error("event parked", "projection", p.p.Name, "event_id", pk.EventID, "position", pk.Position.String(), "type", pk.Type)
		}
		p.state.Lock()
		p.parked = append(p.parked, parked...)
		p.state.Unlock()
	}
	p.advance(ns, to, batch[len(batch)-1].Metadata.RecordedAt)
	return nil
}

// applyOne applies one event through a child overlay, so a failed attempt
// leaves nothing staged; it retries with backoff and returns the last error
// once the attempts are spent.
func (p *projector) applyOne(ctx context.Context, parent *projections.Overlay, rec eventstore.RecordedEvent) error {
	retry := p.rt.cfg.Retry
	var err error
	for attempt := 0; attempt < retry.Attempts; attempt++ {
		if attempt > 0 {
			if serr := sleep(ctx, retry.pause(attempt-1)); serr != nil {
				return serr
			}
		}
		var env projections.Event
		env.Envelope, err = p.rt.decoder.Decode(ctx, rec)
		if err != nil {
			continue
		}
		env.ID, env.Position = rec.ID.String(), rec.Position
		child := projections.NewOverlay(parent.Get)
		if err = p.p.Apply(child, env); err != nil {
			continue
		}
		var staged []projections.Change
		if staged, err = child.Changes(); err != nil {
			continue
		}
		for _, c := range staged {
			if c.Value == nil {
				parent.Delete(c.Key)
			} else {
				parent.Put(c.Key, c.Value)
			}
		}
		return nil
	}
	return err
}
