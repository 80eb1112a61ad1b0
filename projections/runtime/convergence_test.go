package runtime_test

import (
	"context"
	"math/rand/v2"
	"os"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/iup-platform/iup/eventstore"
	"github.com/iup-platform/iup/projections"
	"github.com/iup-platform/iup/projections/bus"
	"github.com/iup-platform/iup/projections/memstore"
	"github.com/iup-platform/iup/projections/redisstore"
	"github.com/iup-platform/iup/projections/redistest"
	"github.com/iup-platform/iup/projections/runtime"
	"github.com/iup-platform/iup/projections/views"
)

// chaosBus takes each message off a GoChannel and hands the projector
// duplicates of earlier messages and pairs in swapped order, so the
// projector must rely on positions, not on the transport.
type chaosBus struct {
	upstream *bus.GoChannel
	hold     time.Duration // how long a held message waits for the next to overtake it
	mu       sync.Mutex
	rng      *rand.Rand
}

func (c *chaosBus) roll() float64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.rng.Float64()
}

func (c *chaosBus) Subscribe(ctx context.Context, name string) (<-chan *message.Message, error) {
	up, err := c.upstream.Subscribe(ctx, name)
	if err != nil {
		return nil, err
	}
	out := make(chan *message.Message)
	go func() {
		var history []*message.Message
		var held *message.Message
		deliver := func(m *message.Message) bool {
			select {
			case out <- m:
			case <-ctx.Done():
				return false
			}
			select { // one in flight, as the real transports
			case <-m.Acked():
			case <-m.Nacked():
			case <-ctx.Done():
				return false
			}
			return true
		}
		for {
			var msg *message.Message
			select {
			case <-ctx.Done():
				return
			case m, ok := <-up:
				if !ok {
					return
				}
				msg = m.Copy()
				m.Ack()
			case <-time.After(c.hold):
				if held != nil && !deliver(held) {
					return
				}
				held = nil
				continue
			}
			var emit []*message.Message
			switch {
			case held != nil:
				emit = []*message.Message{msg, held} // swapped
				held = nil
			case c.roll() < 0.2:
				held = msg
			default:
				emit = []*message.Message{msg}
			}
			if len(history) > 0 && c.roll() < 0.2 {
				emit = append(emit, history[int(c.roll()*float64(len(history)))].Copy())
			}
			history = append(history, msg)
			if len(history) > 30 {
				history = history[1:]
			}
			for _, m := range emit {
				if !deliver(m.Copy()) {
					return
				}
			}
		}
	}()
	return out, nil
}

// chaos is one convergence run: projectors over a chaos bus, killed at
// random points (mid-batch, mid-rebuild) and restarted while appends go on.
type chaos struct {
	events eventstore.Store
	codec  eventstore.Codec
	views  projections.Store
	ps     []projections.Projection
	rounds int
	// live is the least time a projector runs before it is killed.
	live time.Duration
	// hold is how long the bus holds a message back for the next to
	// overtake it (default 5ms): longer when appends come slower.
	hold time.Duration
	// gapsOptional accepts a run in which no message overtook another: the
	// Redis store makes each batch slow enough that the bus's held messages
	// are mostly released alone (gaps are proven over memory).
	gapsOptional bool
	// appendSome appends a few events; it runs on its own goroutine.
	appendSome func() error
	// appendLast appends the last events, with the projectors running.
	appendLast func() eventstore.Position
}

// run kills and restarts projectors for c.rounds rounds, then settles the
// views with one last projector and returns the store's active documents
// per view.
func (c chaos) run(t *testing.T, seed uint64) map[string]map[string]string {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, 13))
	var duplicates, gaps float64
	for round := range c.rounds {
		ctx, kill := context.WithCancel(context.Background())
		rt, g, reg := c.runtime(t, rng.Uint64())
		started := make(chan struct{})
		rebuild := c.ps[rng.IntN(len(c.ps))].Name
		var wg sync.WaitGroup
		wg.Add(3)
		go func() { // appends go on through the kill
			defer wg.Done()
			for ctx.Err() == nil {
				if err := c.appendSome(); err != nil {
					t.Error(err)
					return
				}
				time.Sleep(time.Millisecond)
			}
		}()
		go func() {
			defer wg.Done()
			if err := rt.Start(ctx); err != nil {
				if ctx.Err() == nil {
					t.Errorf("round %d: start: %v", round, err)
				}
				return
			}
			close(started)
			if round%3 == 2 { // a rebuild, killed or not
				if err := rt.Rebuild(ctx, rebuild); err != nil && ctx.Err() == nil {
					t.Errorf("round %d: rebuild: %v", round, err)
				}
			}
		}()
		go func() {
			defer wg.Done()
			forward(ctx, t, c.events, g, rt)
		}()
		if round%4 != 0 { // every fourth round may die while still building
			select {
			case <-started:
			case <-time.After(60 * time.Second):
				t.Fatalf("round %d: did not start", round)
			}
		}
		time.Sleep(c.live + time.Duration(5+rng.IntN(80))*time.Millisecond)
		kill()
		wg.Wait()
		_ = g.Close()
		if err := rt.Wait(); err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
		for _, p := range c.ps {
			duplicates += metric(t, reg, "iup_projection_duplicates_total", p.Name)
			gaps += metric(t, reg, "iup_projection_gaps_total", p.Name)
			// A parked event is missing from the view for good: a kill
			// must fail a batch, never park what it interrupted.
			if parked, _ := rt.Parked(p.Name); len(parked) != 0 {
				t.Fatalf("round %d: %s parked %+v", round, p.Name, parked)
			}
		}
	}
	// A last projector settles the views.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	rt, g, reg := c.runtime(t, rng.Uint64())
	defer g.Close()
	if err := rt.Start(ctx); err != nil {
		t.Fatal(err)
	}
	go forward(ctx, t, c.events, g, rt)
	last := c.appendLast()
	out := map[string]map[string]string{}
	for _, p := range c.ps {
		waitFor(t, rt, p.Name, last)
		duplicates += metric(t, reg, "iup_projection_duplicates_total", p.Name)
		gaps += metric(t, reg, "iup_projection_gaps_total", p.Name)
		if parked, _ := rt.Parked(p.Name); len(parked) != 0 {
			t.Fatalf("%s parked %+v", p.Name, parked)
		}
		out[p.Name] = activeDocuments(t, c.views, p.Name)
	}
	if duplicates == 0 || gaps == 0 && !c.gapsOptional {
		t.Fatalf("the bus injected %v duplicates and %v gaps: the test proved nothing", duplicates, gaps)
	}
	t.Logf("%d rounds and a settling run: %v duplicates skipped, %v gaps filled from the store", c.rounds, duplicates, gaps)
	return out
}

func (c chaos) runtime(t *testing.T, seed uint64) (*runtime.Runtime, *bus.GoChannel, *prometheus.Registry) {
	t.Helper()
	g := bus.NewGoChannel(nil)
	cb := &chaosBus{upstream: g, hold: c.hold, rng: rand.New(rand.NewPCG(seed, 3))}
	if cb.hold == 0 {
		cb.hold = 5 * time.Millisecond
	}
	reg := newRegistry()
	cfg := config(c.events, c.views, cb, reg, c.ps...)
	cfg.Codec = c.codec
	cfg.BatchSize = 1 + int(seed%16)
	cfg.RebuildBatchSize = 1 + int(seed%64)
	rt, err := runtime.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return rt, g, reg
}

// Views fed through a bus that duplicates and reorders, by projectors killed
// at random points (mid-batch, mid-rebuild) and restarted, end byte-equal
// to one clean build.
func TestViewsConvergeThroughRedeliveriesAndKills(t *testing.T) {
	events := openEvents(t)
	w := newWriter(t, events, 11)
	w.append(300)
	rounds := 12
	if testing.Short() {
		rounds = 4
	}
	i := 0
	got := chaos{events: events, codec: codec, views: memstore.New(), ps: []projections.Projection{counter, relationsView}, rounds: rounds,
		appendSome: func() error { i++; return w.tryAppend(1 + i%5) },
		appendLast: func() eventstore.Position { return w.append(200) },
	}.run(t, 12)
	sameDocuments(t, "counter", got["counter"], cleanBuild(t, events, counter))
	sameDocuments(t, "relations", got["relations"], cleanBuild(t, events, relationsView))
}

// convergenceRounds is how many kills the real views go through:
// IUP_CONVERGENCE_ROUNDS for a longer run than CI's.
func convergenceRounds(ci int) int {
	if n, err := strconv.Atoi(os.Getenv("IUP_CONVERGENCE_ROUNDS")); err == nil && n > 0 {
		return n
	}
	return ci
}

// The must-show with the product's views: the sample organiser's school
// year, sealed as in production, replayed with redeliveries and kills,
// leaves every view byte-equal to one clean rebuild.
func TestEveryViewConvergesThroughRedeliveriesAndKills(t *testing.T) {
	log := openSample(t, smallSample)
	log.mustWrite(t, len(log.history)/3)
	got := chaos{events: log.events, codec: log.codec, views: memstore.New(), ps: views.All(), rounds: convergenceRounds(6),
		hold:       20 * time.Millisecond,
		appendSome: func() error { _, err := log.write(1); return err },
		appendLast: func() eventstore.Position { return log.mustWrite(t, -1) },
	}.run(t, 21)
	want := buildAll(t, log, 500)
	for _, p := range views.All() {
		sameDocuments(t, p.Name, got[p.Name], want[p.Name])
	}
	t.Logf("%d events", log.n)
}

// The same over Redis: the views' store is Redis (the bus stays the chaos
// GoChannel, whose faults are the point).
func TestEveryViewConvergesInRedis(t *testing.T) {
	client := redistest.Client(t)
	log := openSample(t, smallSample)
	log.mustWrite(t, len(log.history)/3)
	got := chaos{events: log.events, codec: log.codec, views: redisstore.New(client, redistest.Namespace(t)), ps: views.All(), rounds: convergenceRounds(5),
		live: 200 * time.Millisecond, hold: 100 * time.Millisecond, gapsOptional: true,
		appendSome: func() error { _, err := log.write(1); return err },
		appendLast: func() eventstore.Position { return log.mustWrite(t, -1) },
	}.run(t, 31)
	want := buildAll(t, log, 500)
	for _, p := range views.All() {
		sameDocuments(t, p.Name, got[p.Name], want[p.Name])
	}
}
