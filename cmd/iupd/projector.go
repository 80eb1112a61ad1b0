package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/redis/go-redis/v9"

	"github.com/iup-platform/iup/eventstore"
	"github.com/iup-platform/iup/eventstore/shred"
	"github.com/iup-platform/iup/projections"
	"github.com/iup-platform/iup/projections/bus"
	"github.com/iup-platform/iup/projections/lease"
	"github.com/iup-platform/iup/projections/runtime"
)

// forwarderLease names the forwarder's lease: one process publishes the
// log to the stream at a time (a second would only add duplicates).
const forwarderLease = "forwarder"

// projectorSide is the projector half of the distributed mode. Each
// projection (and the forwarder) runs under its own Redis lease: a process
// waits for the lease, runs the projection with the lease's fence until the
// lease is lost, then waits for it again. Several projector processes thus
// share the views between them, and one takes over what another dropped.
type projectorSide struct {
	events eventstore.Store
	codec  eventstore.Codec
	views  projections.Store
	bus    *bus.Redis
	rdb    redis.UniversalClient
	cfg    DistConfig
	log    *slog.Logger
	all    []projections.Projection

	held     *prometheus.GaugeVec
	acquired *prometheus.CounterVec
	lost     *prometheus.CounterVec
	fenced   *prometheus.CounterVec
	trimmed  prometheus.Counter

	// trimEvery is how often the forwarder trims the stream behind the
	// consumer groups.
	trimEvery time.Duration

	// Culling (cull_dist.go): the daily job under its lease, and the
	// keyring whose cached keys the culling watcher forgets. Nil: no culling.
	culler *culler
	keys   *shred.Keyring

	// passes lets the projections that start together rebuild in one pass
	// over the log instead of one pass each.
	passes runtime.Passes

	mu      sync.Mutex
	tenures map[string]*tenure // projections this process runs now

	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// tenure is one projection run under one grant of its lease.
type tenure struct {
	rt  *runtime.Runtime
	reg *prometheus.Registry // the runtime's own metrics, gathered while it runs
}

func newProjectorSide(events eventstore.Store, codec eventstore.Codec, views projections.Store, rb *bus.Redis,
	rdb redis.UniversalClient, cfg DistConfig, reg prometheus.Registerer, logger *slog.Logger, all []projections.Projection) (*projectorSide, error) {
	label := []string{"lease"}
	ps := &projectorSide{
		events: events, codec: codec, views: views, bus: rb, rdb: rdb, cfg: cfg,
		log: logger.With("component", "projector", "holder", cfg.Holder), all: all, tenures: map[string]*tenure{},
		held: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "iup_projector_lease_held",
			Help: "1 while this process holds the lease (a projection's, or the forwarder's)."}, label),
		acquired: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "iup_projector_lease_acquired_total",
			Help: "Leases this process was granted."}, label),
		lost: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "iup_projector_lease_lost_total",
			Help: "Leases this process lost before releasing them (another projector took over)."}, label),
		fenced: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "iup_projector_fenced_total",
			Help: "Writes to the read models refused because this process's fencing token no longer holds the lease."}, label),
		trimmed: prometheus.NewCounter(prometheus.CounterOpts{Name: "iup_bus_stream_trimmed_total",
			Help: "Entries trimmed from the bus stream once every projection's consumer group was past them."}),
		trimEvery: 5 * time.Second,
	}
	for _, c := range []prometheus.Collector{ps.held, ps.acquired, ps.lost, ps.fenced, ps.trimmed} {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("projector metrics: %w", err)
		}
	}
	return ps, nil
}

func (ps *projectorSide) newLease(name string) (*lease.Lease, error) {
	return lease.New(ps.rdb, ps.cfg.RedisPrefix+"lease:"+name, ps.cfg.Holder, ps.cfg.LeaseTTL)
}

// Start runs the forwarder's and every projection's lease loop until ctx
// ends or Close.
func (ps *projectorSide) Start(ctx context.Context) error {
	ctx, ps.cancel = context.WithCancel(ctx)
	fl, err := ps.newLease(forwarderLease)
	if err != nil {
		return err
	}
	ps.wg.Add(1)
	go func() {
		defer ps.wg.Done()
		ps.leaseLoop(ctx, fl, forwarderLease, ps.forward)
	}()
	if ps.culler != nil {
		cl, err := ps.newLease(cullingLease)
		if err != nil {
			ps.cancel()
			return err
		}
		if err := ps.startCullWatcher(ctx, ps.keys); err != nil {
			ps.cancel()
			return err
		}
		ps.wg.Add(1)
		go func() {
			defer ps.wg.Done()
			ps.leaseLoop(ctx, cl, cullingLease, ps.cullUnderLease(ps.culler))
		}()
	}
	for _, p := range ps.all {
		l, err := ps.newLease(p.Name)
		if err != nil {
			ps.cancel()
			return err
		}
		ps.wg.Add(1)
		go func() {
			defer ps.wg.Done()
			ps.leaseLoop(ctx, l, p.Name, func(ctx context.Context, h *lease.Held) error { return ps.project(ctx, p, h) })
		}()
	}
	return nil
}

// leaseLoop waits for the lease, runs work under it until work returns or
// the lease is lost, releases it, and starts over.
func (ps *projectorSide) leaseLoop(ctx context.Context, l *lease.Lease, name string, work func(context.Context, *lease.Held) error) {
	for {
		h, err := l.Acquire(ctx, 0)
		if err != nil {
			return // ctx ended
		}
		ps.acquired.WithLabelValues(name).Inc()
		ps.held.WithLabelValues(name).Set(1)
		ps.log.Info("lease acquired", "lease", name, "token", h.Fence().Token)

		wctx, stop := context.WithCancel(ctx)
		done := make(chan error, 1)
		go func() { done <- work(wctx, h) }()
		select {
		case <-h.Lost():
			// Stop at once; a write already on its way is refused by the fence.
			ps.lost.WithLabelValues(name).Inc()
			ps.log.Warn("lease lost, stopping", "lease", name, "cause", h.Cause())
			stop()
			err = <-done
		case err = <-done:
			stop()
		}
		if errors.Is(err, projections.ErrFenced) {
			ps.fenced.WithLabelValues(name).Inc()
			ps.log.Warn("write refused: fenced off by a newer lease", "lease", name)
		} else if err != nil && ctx.Err() == nil {
			ps.log.Error("stopped under the lease, will retry", "lease", name, "err", err)
		}
		ps.held.WithLabelValues(name).Set(0)
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
		if err := h.Release(rctx); err != nil {
			ps.log.Warn("releasing the lease failed; it expires on its own", "lease", name, "err", err)
		}
		cancel()
		if ctx.Err() != nil {
			return
		}
		// Give another process a fair chance at a lease this one just dropped
		// through failure, instead of taking it straight back.
		if err != nil {
			if sleepCtx(ctx, ps.cfg.LeaseTTL/2) != nil {
				return
			}
		}
	}
}

// forward publishes the log to the stream while the forwarder lease holds,
// and trims the stream behind the projections' consumer groups.
func (ps *projectorSide) forward(ctx context.Context, _ *lease.Held) error {
	fwd, err := runtime.NewForwarder(ps.events, ps.bus, ps.bus.ForwarderStart(ps.events), ps.log)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	trimmed := make(chan struct{})
	go func() {
		defer close(trimmed)
		ps.trimLoop(ctx)
	}()
	defer func() { <-trimmed }()
	return fwd.Run(ctx)
}

// trimLoop trims the stream every trimEvery until ctx ends: without it the
// stream holds every event ever forwarded, and Redis grows with the log.
// Only the groups of this process's projections count (see bus.Trim).
func (ps *projectorSide) trimLoop(ctx context.Context) {
	names := make([]string, len(ps.all))
	for i, p := range ps.all {
		names[i] = p.Name
	}
	tick := time.NewTicker(ps.trimEvery)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		n, err := ps.bus.Trim(ctx, names...)
		if err != nil {
			if ctx.Err() == nil {
				ps.log.Warn("trim the bus stream", "err", err)
			}
			continue
		}
		ps.trimmed.Add(float64(n))
	}
}

// project runs projection p under h's fence until ctx ends or its consumer
// stops (fenced off, or failed).
func (ps *projectorSide) project(ctx context.Context, p projections.Projection, h *lease.Held) error {
	reg := prometheus.NewRegistry()
	fence := h.Fence()
	rt, err := runtime.New(runtime.Config{
		Events: ps.events, Codec: ps.codec, Views: ps.views, Bus: ps.bus,
		Projections: []projections.Projection{p},
		Fences:      func(string) projections.Fence { return fence },
		Registerer:  reg, Logger: ps.log, BatchSize: ps.cfg.Batch,
		Passes: &ps.passes,
	})
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	if err := rt.Start(ctx); err != nil {
		return fmt.Errorf("start %s: %w", p.Name, err)
	}
	ps.mu.Lock()
	ps.tenures[p.Name] = &tenure{rt: rt, reg: reg}
	ps.mu.Unlock()
	defer func() {
		ps.mu.Lock()
		delete(ps.tenures, p.Name)
		ps.mu.Unlock()
	}()
	// The runtime keeps its goroutines until ctx ends; a consumer that
	// stopped because the fence refused it shows only in Fenced.
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			cancel()
			return rt.Wait()
		case <-tick.C:
			if rt.Fenced(p.Name) {
				cancel()
				_ = rt.Wait()
				return fmt.Errorf("projection %s: %w", p.Name, projections.ErrFenced)
			}
		}
	}
}

// running returns the runtime of projection name if this process runs it.
func (ps *projectorSide) running(name string) (*runtime.Runtime, bool) {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	t, ok := ps.tenures[name]
	if !ok {
		return nil, false
	}
	return t.rt, true
}

// Gather implements prometheus.Gatherer over the runtimes running now, so
// /metrics shows the projections this process holds.
func (ps *projectorSide) Gather() ([]*dto.MetricFamily, error) {
	ps.mu.Lock()
	gs := make(prometheus.Gatherers, 0, len(ps.tenures))
	for _, t := range ps.tenures {
		gs = append(gs, t.reg)
	}
	ps.mu.Unlock()
	return gs.Gather()
}

// Close stops every loop and releases the leases held.
func (ps *projectorSide) Close() error {
	if ps.cancel != nil {
		ps.cancel()
	}
	ps.wg.Wait()
	return nil
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
