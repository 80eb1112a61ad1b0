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
// from) to ws's namespace in batches: each batch goes through ws's overlay
// and is committed with its checkpoint in one store call.
func (p *projector) applyRun(ctx context.Context, ws *workspace, from eventstore.Position, events []entry) error {
	size := p.rt.cfg.BatchSize
	if ws.cache != nil { // a rebuild's fresh namespace
		size = p.rt.cfg.RebuildBatchSize
	}
	for len(events) > 0 {
		n := min(size, len(events))
		batch := events[:n]
		events = events[n:]
		if err := p.applyBatch(ctx, ws, from, batch); err != nil {
			// What the overlay staged or cached may not match the store.
			ws.reset()
			return err
		}
		from = batch[n-1].rec.Position
	}
	return nil
}

func (p *projector) applyBatch(ctx context.Context, ws *workspace, from eventstore.Position, batch []entry) error {
	ws.ctx = ctx
	defer func() { ws.ctx = context.Background() }()
	var parked []Parked
	for i := range batch {
		e := &batch[i]
		if !p.handles[e.rec.Type] {
			continue // the checkpoint still moves over it
		}
		if err := p.applyOne(ctx, ws.overlay, e); err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			if isStoreError(err) {
				return err // the store's trouble: the batch is tried again
			}
			parked = append(parked, Parked{EventID: e.rec.ID.String(), Position: e.rec.Position, Type: e.rec.Type, Error: err.Error(), At: p.rt.cfg.Clock()})
		}
	}
	last := batch[len(batch)-1].rec
	to := last.Position
	if err := p.commit(ctx, ws, from, to); err != nil {
		return err
	}
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
	p.advance(ws.ns, to, last.Metadata.RecordedAt)
	return nil
}

// commit encodes what ws's overlay staged and applies it to ws's namespace
// with the checkpoint moving from from to to (the same position when only
// held renders are written), or hands it to ws's writer during a
// rebuild's pass. A lot of held renders goes to the writer unencoded, and
// the writer encodes it while the build renders the next lot: at a
// rebuild's end one build was often left rendering alone, and encoding was
// a third of that work, on one core with the other idle. (The renders the
// held ones ask for run on forks, which encode their own: renderHeld.)
func (p *projector) commit(ctx context.Context, ws *workspace, from, to eventstore.Position) error {
	pw := pendingWrite{from: from, to: to}
	var err error
	if ws.behind != nil && ws.overlay.DropWritten {
		pw.unencoded, err = ws.overlay.StagedUnencoded()
	} else {
		pw.changes, err = ws.overlay.Changes()
	}
	if err != nil {
		return fmt.Errorf("projection %s: encode batch up to %s: %w", p.p.Name, to, err)
	}
	if err := p.hand(ctx, ws, pw); err != nil {
		return err
	}
	ws.overlay.Written()
	ws.cache.committed()
	return nil
}

// hand writes pw to ws's namespace, or hands it to ws's writer during a
// rebuild's pass.
func (p *projector) hand(ctx context.Context, ws *workspace, pw pendingWrite) error {
	if ws.behind != nil {
		return ws.behind.enqueue(ctx, pw)
	}
	return p.write(ctx, ws.ns, ws.cache != nil, pw)
}

// write applies one batch to namespace ns, retrying what may pass on a
// retry; fresh says ns is a rebuild's, not yet served.
func (p *projector) write(ctx context.Context, ns projections.Namespace, fresh bool, pw pendingWrite) error {
	if err := pw.encode(); err != nil {
		return fmt.Errorf("projection %s: %w", p.p.Name, err)
	}
	var err error
	uncertain := false // an attempt failed without saying whether it landed
	for attempt := 0; attempt < p.rt.cfg.Retry.Attempts; attempt++ {
		if attempt > 0 {
			if serr := sleep(ctx, p.rt.cfg.Retry.pause(attempt-1)); serr != nil {
				return serr
			}
		}
		err = p.apply(ctx, ns, fresh, pw.from, pw.to, pw.changes)
		if errors.Is(err, projections.ErrCheckpointMoved) && uncertain && pw.to != pw.from {
			// A write whose reply was lost (a timeout after Redis ran the
			// transaction) moved the checkpoint to this batch's end: it landed,
			// and the batch is the same bytes whoever wrote it. Failing
			// here failed a whole rebuild on one lost reply.
			if cp, ok, cerr := p.rt.cfg.Views.Checkpoint(ctx, ns); cerr == nil && ok && cp == pw.to {
				return nil
			}
		}
		if err == nil || errors.Is(err, projections.ErrCheckpointMoved) || errors.Is(err, projections.ErrFenced) || ctx.Err() != nil {
			break
		}
		uncertain = true
	}
	if err != nil {
		return fmt.Errorf("projection %s: commit batch up to %s: %w", p.p.Name, pw.to, err)
	}
	return nil
}

// apply writes changes to namespace ns, moving its checkpoint from from
// to to. A rebuild's (fresh) namespace is served only after its switch, so its
// batch may go in several writes, each within Config.RebuildApplyBytes, the
// checkpoint staying at from until the last; a served namespace takes each
// batch in one.
func (p *projector) apply(ctx context.Context, ns projections.Namespace, fresh bool, from, to eventstore.Position, changes []projections.Change) error {
	if !fresh || len(changes) == 0 {
		return p.rt.cfg.Views.Apply(ctx, ns, from, to, changes, p.fence)
	}
	for len(changes) > 0 {
		n, size := 0, 0
		for n < len(changes) && (n == 0 || size+len(changes[n].Key)+len(changes[n].Value) <= p.rt.cfg.RebuildApplyBytes) {
			size += len(changes[n].Key) + len(changes[n].Value)
			n++
		}
		upTo := from
		if n == len(changes) {
			upTo = to
		}
		if err := p.rt.cfg.Views.Apply(ctx, ns, from, upTo, changes[:n], p.fence); err != nil {
			return err
		}
		changes = changes[n:]
	}
	return nil
}

// renderHeld runs the renders a rebuild's pass held back and stops
// holding them: what the build applies from then on renders per batch.
// The renders held are the batch-wide ones (Gather's), which decide which
// documents to render; they run here, and the renders they ask for, one
// per served document, run on forks of the overlay (renderForked), which
// see what the held ones wrote.
func (p *projector) renderHeld(ctx context.Context, ws *workspace, cp eventstore.Position) error {
	ws.ctx = ctx
	defer func() { ws.ctx = context.Background() }()
	ws.writingRenders(true)
	defer ws.writingRenders(false)
	// The held ones first, a batch at a time: those they ask for join
	// the end of the list.
	for n := ws.overlay.Pending(); n > 0; n -= p.rt.cfg.RebuildBatchSize {
		if err := ws.overlay.RenderPending(min(n, p.rt.cfg.RebuildBatchSize)); err != nil {
			ws.reset()
			return fmt.Errorf("projection %s: %w", p.p.Name, err)
		}
		if err := p.commit(ctx, ws, cp, cp); err != nil {
			ws.reset()
			return err
		}
	}
	write := func(ctx context.Context, pw pendingWrite) error { return p.hand(ctx, ws, pw) }
	if err := ws.renderForked(ctx, ws.overlay.TakeRenders(), p.rt.cfg.RebuildRenderWorkers, p.rt.cfg.RebuildBatchSize, cp, write); err != nil {
		ws.reset()
		return fmt.Errorf("projection %s: %w", p.p.Name, err)
	}
	ws.holdRenders(false)
	return nil
}

// applyOne applies one event to the overlay, journaled so a failed attempt
// leaves nothing staged; it retries with backoff and returns the last error
// once the attempts are spent. The event is decoded once for every
// projection of a pass; a failed decoding is retried here.
func (p *projector) applyOne(ctx context.Context, o *projections.Overlay, e *entry) error {
	retry := p.rt.cfg.Retry
	env, err := e.env, e.err
	for attempt := 0; attempt < retry.Attempts; attempt++ {
		if attempt > 0 {
			if serr := sleep(ctx, retry.pause(attempt-1)); serr != nil {
				return serr
			}
		}
		if !e.decoded || attempt > 0 && err != nil {
			env, err = p.rt.decodeRecent(ctx, e.rec, attempt > 0)
		}
		if err != nil {
			continue
		}
		o.Begin()
		if err = p.p.Apply(o, env); err != nil {
			o.Rollback()
			if isStoreError(err) {
				return err // already tried again by the read
			}
			continue
		}
		o.Commit()
		return nil
	}
	return err
}
