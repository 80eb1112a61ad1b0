// Package runtime runs projections: it builds each view from the event log,
// keeps it current from the bus with checkpointed batches, rebuilds it into
// a fresh namespace on demand or on a version bump, parks events that keep
// failing, and reports how far each view lags the log.
package runtime

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	goruntime "runtime"
	"sync"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/iup-platform/iup/eventstore"
	"github.com/iup-platform/iup/projections"
)

// Subscriber opens a projection's feed of bus messages, in log order, one
// in flight at a time (each waits for the previous one's ack).
type Subscriber interface {
	Subscribe(ctx context.Context, projection string) (<-chan *message.Message, error)
}

// Retry bounds how often an event whose Apply fails is tried again before
// it is parked, and the backoff between tries.
type Retry struct {
	Attempts int           // tries in all, default 5
	Base     time.Duration // first pause, default 50ms, doubled each try
	Max      time.Duration // longest pause, default 2s
}

func (r Retry) pause(attempt int) time.Duration {
	d := r.Base << attempt
	if d <= 0 || d > r.Max {
		d = r.Max
	}
	return d
}

// Config wires a runtime. Events, Codec, Views, Bus, Registerer and at least
// one projection are required.
type Config struct {
	Events      eventstore.Store
	Codec       eventstore.Codec
	Views       projections.Store
	Bus         Subscriber
	Projections []projections.Projection
	// Fences gives each projection's fencing token; nil means the zero
	// Fence for all (the embedded single process).
	Fences     func(projection string) projections.Fence
	Registerer prometheus.Registerer
	Logger     *slog.Logger // default slog.Default()
	BatchSize  int          // events per Apply, default 500
	// RebuildBatchSize is the events per Apply of a rebuild, default 5,000:
	// nobody reads a namespace being built, and a document touched by many
	// events of a batch is encoded and written once.
	RebuildBatchSize int
	// RebuildApplyBytes bounds one write of a rebuild's batch to the store,
	// default 16 MiB. A lot of held renders of a municipality (whole school
	// lists, mentor overviews) came to hundreds of megabytes: one Redis
	// script that long timed out on the client and held up every other
	// client of Redis, the leases' renewals too.
	RebuildApplyBytes int
	Retry             Retry
	// LagInterval is how often the lag gauges are refreshed, default 1s.
	LagInterval time.Duration
	Clock       func() time.Time // stamps parked events, default time.Now
	// RebuildCacheKeys caps the keys a rebuild remembers writing, so that
	// it reads back neither what it wrote nor keys it never wrote (default
	// 8,000,000); past it, reads go to the store. RebuildCacheBytes caps
	// the written documents it keeps (default 1 GiB); past it, documents
	// are let go (their keys stay) and read back from the store if needed.
	RebuildCacheKeys  int
	RebuildCacheBytes int
	// RebuildGCPercent is the garbage collector's target (GOGC) while a
	// rebuild runs, default 400; negative leaves it alone. A rebuild
	// allocates fast and keeps little, so collecting less often saves a
	// quarter of its time for a bounded amount of memory; a memory limit
	// (GOMEMLIMIT) still makes the collector run when it is reached.
	RebuildGCPercent int
	// RebuildRenderWorkers is how many goroutines render a rebuild's
	// documents once its pass is done: default one per core, up to four.
	RebuildRenderWorkers int
	// Passes, when set, lets this runtime's rebuilds share a pass over the
	// log with those of other runtimes given the same Passes.
	Passes *Passes
}

// Runtime runs a fixed set of projections.
type Runtime struct {
	cfg        Config
	decoder    *eventstore.DomainLog
	recent     *recent // the live path's last decoded events
	metrics    *metrics
	log        *slog.Logger
	projectors map[string]*projector
	served     map[string]*projector // by projection name and by each view it serves
	names      []string
	wg         sync.WaitGroup
	caughtUp   sync.WaitGroup
	ready      chan struct{}
	errMu      sync.Mutex
	errs       []error
}

// New checks cfg and returns a runtime; Start runs it.
func New(cfg Config) (*Runtime, error) {
	switch {
	case cfg.Events == nil:
		return nil, errors.New("projection runtime: no event store")
	case cfg.Codec == nil:
		return nil, errors.New("projection runtime: no codec")
	case cfg.Views == nil:
		return nil, errors.New("projection runtime: no read-model store")
	case cfg.Bus == nil:
		return nil, errors.New("projection runtime: no bus")
	case cfg.Registerer == nil:
		return nil, errors.New("projection runtime: no metrics registerer")
	case len(cfg.Projections) == 0:
		return nil, errors.New("projection runtime: no projections")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.BatchSize <= 0 {
		cfg.BatchSize = 500
	}
	if cfg.RebuildApplyBytes <= 0 {
		cfg.RebuildApplyBytes = 16 << 20
	}
	if cfg.RebuildBatchSize <= 0 {
		cfg.RebuildBatchSize = 5000
	}
	if cfg.Retry.Attempts <= 0 {
		cfg.Retry.Attempts = 5
	}
	if cfg.Retry.Base <= 0 {
		cfg.Retry.Base = 50 * time.Millisecond
	}
	if cfg.Retry.Max <= 0 {
		cfg.Retry.Max = 2 * time.Second
	}
	if cfg.LagInterval <= 0 {
		cfg.LagInterval = time.Second
	}
	if cfg.RebuildCacheKeys <= 0 {
		cfg.RebuildCacheKeys = 8_000_000
	}
	if cfg.RebuildCacheBytes <= 0 {
		cfg.RebuildCacheBytes = 1 << 30
	}
	if cfg.RebuildGCPercent == 0 {
		cfg.RebuildGCPercent = 400
	}
	if cfg.RebuildRenderWorkers <= 0 {
		cfg.RebuildRenderWorkers = max(1, min(goruntime.GOMAXPROCS(0), 4))
	}
	if cfg.Clock == nil {
		cfg.Clock = time.Now
	}
	m, err := newMetrics(cfg.Registerer)
	if err != nil {
		return nil, err
	}
	r := &Runtime{
		cfg: cfg, decoder: eventstore.NewDomainLog(cfg.Events, cfg.Codec, eventstore.WithKeptStates(0)), recent: newRecent(), metrics: m, // decodes only: folds nothing
		log: cfg.Logger.With("component", "projections"), projectors: map[string]*projector{}, served: map[string]*projector{},
		ready: make(chan struct{}),
	}
	for _, p := range cfg.Projections {
		if p.Name == "" || p.Apply == nil {
			return nil, fmt.Errorf("projection runtime: projection %q has no name or no Apply", p.Name)
		}
		if _, dup := r.projectors[p.Name]; dup {
			return nil, fmt.Errorf("projection runtime: projection %q listed twice", p.Name)
		}
		for _, v := range p.Views {
			if other := projections.Serving(cfg.Projections, v); other != p.Name {
				return nil, fmt.Errorf("projection runtime: view %q is served by both %q and %q", v, other, p.Name)
			}
		}
		var fence projections.Fence
		if cfg.Fences != nil {
			fence = cfg.Fences(p.Name)
		}
		r.projectors[p.Name] = newProjector(r, p, fence)
		r.served[p.Name] = r.projectors[p.Name]
		for _, v := range p.Views {
			r.served[v] = r.projectors[p.Name]
		}
		r.names = append(r.names, p.Name)
	}
	return r, nil
}

// Start builds every view that has no active namespace or an older
// version (from the log, before it returns), subscribes each projection to
// the bus, and leaves them running: each first catches up with the log,
// then applies its feed until ctx ends. Wait returns once they stopped.
func (r *Runtime) Start(ctx context.Context) error {
	var build []string
	for _, name := range r.names {
		stale, err := r.projectors[name].prepare(ctx)
		if err != nil {
			return err
		}
		if stale {
			build = append(build, name)
		}
	}
	// One pass over the log builds every view that needs it.
	if len(build) > 0 {
		if err := r.rebuild(ctx, build); err != nil {
			return err
		}
	}
	for _, name := range r.names {
		p := r.projectors[name]
		// Subscribe before catching up, so nothing appended in between is
		// missed: what the catch-up already applied arrives as duplicates.
		// Each feed has its own context: a consumer that stops (fenced off)
		// must leave the bus, or a GoChannel publish waits for its ack
		// forever and stalls every other projection. For the same reason the
		// consumer starts at once: a subscribed feed nobody reads blocks the
		// bus, and with it the next Subscribe.
		subCtx, unsubscribe := context.WithCancel(ctx)
		feed, err := r.cfg.Bus.Subscribe(subCtx, name)
		if err != nil {
			unsubscribe()
			return fmt.Errorf("projection %s: subscribe: %w", name, err)
		}
		r.wg.Add(1)
		r.caughtUp.Add(1)
		go func() {
			defer r.wg.Done()
			defer unsubscribe()
			err := p.catchUp(ctx)
			r.caughtUp.Done()
			if err == nil {
				err = p.consume(ctx, feed)
			}
			if err != nil && ctx.Err() == nil {
				r.errMu.Lock()
				r.errs = append(r.errs, err)
				r.errMu.Unlock()
			}
		}()
	}
	go func() {
		r.caughtUp.Wait()
		close(r.ready)
	}()
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		r.exportLag(ctx)
	}()
	return nil
}

// Ready is closed once every projection has caught up with the log after
// Start (or given up, when ctx ended): a readiness probe waits on it.
func (r *Runtime) Ready() <-chan struct{} { return r.ready }

// Wait blocks until every projection has stopped and returns what stopped
// them, other than the end of Start's context.
func (r *Runtime) Wait() error {
	r.wg.Wait()
	r.errMu.Lock()
	defer r.errMu.Unlock()
	return errors.Join(r.errs...)
}

// decode turns a stored event into what a projection sees.
func (r *Runtime) decode(ctx context.Context, rec eventstore.RecordedEvent) (projections.Event, error) {
	env, err := r.decoder.Decode(ctx, rec)
	if err != nil {
		return projections.Event{}, err
	}
	return projections.Event{Envelope: env, ID: rec.ID.String(), Position: rec.Position}, nil
}

// projector returns the projector of projection name, or of the family
// projection that serves view name.
func (r *Runtime) projector(name string) (*projector, error) {
	if p, ok := r.served[name]; ok {
		return p, nil
	}
	return nil, fmt.Errorf("projection runtime: unknown projection or view %q", name)
}

// Low is the lowest checkpoint over all projections: where the embedded
// forwarder starts publishing.
func (r *Runtime) Low(_ context.Context) (eventstore.Position, error) {
	var low eventstore.Position
	for i, name := range r.names {
		cp, _ := r.projectors[name].snapshot()
		if i == 0 || cp.Before(low) {
			low = cp
		}
	}
	return low, nil
}

// Fenced reports whether projection name's consumer stopped because its
// fence no longer holds the lease (another projector took over).
func (r *Runtime) Fenced(name string) bool {
	p, err := r.projector(name)
	return err == nil && p.fenced.Load()
}
