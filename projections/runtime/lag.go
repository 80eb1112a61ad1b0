package runtime

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/iup-platform/iup/eventstore"
)

type metrics struct {
	lagEvents, lagSeconds             *prometheus.GaugeVec
	parked, applied, duplicates, gaps *prometheus.CounterVec
	failed                            *prometheus.CounterVec
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	label := []string{"projection"}
	m := &metrics{
		lagEvents: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "iup_projection_lag_events",
			Help: "Events in the log after the projection's checkpoint."}, label),
		lagSeconds: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "iup_projection_lag_seconds",
			Help: "Recorded-at of the log's head minus that of the last event the projection applied."}, label),
		parked: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "iup_projection_parked_total",
			Help: "Events skipped after their Apply kept failing."}, label),
		applied: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "iup_projection_applied_total",
			Help: "Events the projection's checkpoint moved over (handled or not)."}, label),
		duplicates: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "iup_projection_duplicates_total",
			Help: "Bus messages skipped as already applied."}, label),
		gaps: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "iup_projection_gaps_total",
			Help: "Bus messages that arrived after a gap, filled from the event store."}, label),
		failed: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "iup_projection_failed_batches_total",
			Help: "Live batches and catch-ups that failed and are tried again (the views' store or the log not answering)."}, label),
	}
	for _, c := range []prometheus.Collector{m.lagEvents, m.lagSeconds, m.parked, m.applied, m.duplicates, m.gaps, m.failed} {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("projection runtime: register metrics: %w", err)
		}
	}
	return m, nil
}

// Lag is how far a projection is behind the head of the log.
type Lag struct {
	Events  int // events after the checkpoint (at least LagCountCap when Capped)
	Capped  bool
	Seconds float64 // head's recorded-at minus the last applied event's
}

// LagCountCap bounds how many events one lag reading counts.
const LagCountCap = 100_000

// Lag counts the events after projection name's checkpoint (positions are
// opaque, so it counts rather than subtracts) and the time between the last
// applied event and the head.
func (r *Runtime) Lag(ctx context.Context, name string) (Lag, error) {
	p, err := r.projector(name)
	if err != nil {
		return Lag{}, err
	}
	head, err := r.cfg.Events.HeadPosition(ctx)
	if err != nil {
		return Lag{}, err
	}
	cp, _ := p.snapshot()
	if !cp.Before(head) {
		return Lag{}, nil
	}
	p.state.Lock()
	lastAt := p.lastAt
	p.state.Unlock()
	var lag Lag
	var headAt time.Time
	after := cp
	for after.Before(head) {
		if lag.Events >= LagCountCap {
			lag.Capped = true
			break
		}
		page, err := r.cfg.Events.ReadAll(ctx, after, 1000)
		if err != nil {
			return Lag{}, err
		}
		if len(page) == 0 {
			break
		}
		for _, ev := range page {
			if head.Before(ev.Position) {
				break
			}
			if lastAt.IsZero() {
				// Unknown after a restart: the first unapplied event bounds it.
				lastAt = ev.Metadata.RecordedAt
			}
			lag.Events++
			headAt = ev.Metadata.RecordedAt
		}
		after = page[len(page)-1].Position
	}
	if !headAt.IsZero() && headAt.After(lastAt) {
		lag.Seconds = headAt.Sub(lastAt).Seconds()
	}
	return lag, nil
}

func (r *Runtime) exportLag(ctx context.Context) {
	t := time.NewTicker(r.cfg.LagInterval)
	defer t.Stop()
	for {
		for _, name := range r.names {
			lag, err := r.Lag(ctx, name)
			if err != nil {
				if ctx.Err() == nil {
					r.log.Warn("lag reading failed", "projection", name, "err", err)
				}
				continue
			}
			r.metrics.lagEvents.WithLabelValues(name).Set(float64(lag.Events))
			r.metrics.lagSeconds.WithLabelValues(name).Set(lag.Seconds)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// WaitFor returns once projection name's checkpoint is at or past pos, or
// with ctx's error when ctx ends first (the caller bounds the wait): the
// API's read-your-writes.
func (r *Runtime) WaitFor(ctx context.Context, name string, pos eventstore.Position) error {
	p, err := r.projector(name)
	if err != nil {
		return err
	}
	for {
		cp, changed := p.snapshot()
		if !cp.Before(pos) {
			return nil
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return fmt.Errorf("projection %s has not reached %s: %w", name, pos, errors.Join(ctx.Err()))
		}
	}
}
