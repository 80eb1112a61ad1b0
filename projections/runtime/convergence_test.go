package runtime_test

import (
	"context"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/iup-platform/iup/eventstore"
	"github.com/iup-platform/iup/projections/bus"
	"github.com/iup-platform/iup/projections/memstore"
	"github.com/iup-platform/iup/projections/runtime"
)

// chaosBus takes each message off a GoChannel and hands the projector
// duplicates of earlier messages and pairs in swapped order, so the
// projector must rely on positions, not on the transport.
type chaosBus struct {
	upstream *bus.GoChannel
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
			case <-time.After(5 * time.Millisecond):
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

// Views fed through a bus that duplicates and reorders, by projectors killed
// at random points (mid-batch, mid-rebuild) and restarted, end byte-equal
// to one clean build.
func TestViewsConvergeThroughRedeliveriesAndKills(t *testing.T) {
	events := openEvents(t)
	views := memstore.New()
	w := newWriter(t, events, 11)
	w.append(300)
	rng := rand.New(rand.NewPCG(12, 13))
	var duplicates, gaps float64
	rounds := 12
	if testing.Short() {
		rounds = 4
	}
	for round := range rounds {
		ctx, kill := context.WithCancel(context.Background())
		rt, g, reg := chaosRuntime(t, events, views, rng.Uint64())
		started := make(chan struct{})
		var wg sync.WaitGroup
		wg.Add(3)
		go func() { // appends go on through the kill
			defer wg.Done()
			for i := 0; ctx.Err() == nil; i++ {
				if err := w.tryAppend(1 + i%5); err != nil {
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
				if err := rt.Rebuild(ctx, "counter"); err != nil && ctx.Err() == nil {
					t.Errorf("round %d: rebuild: %v", round, err)
				}
			}
		}()
		go func() {
			defer wg.Done()
			forward(ctx, t, events, g, rt)
		}()
		if round%4 != 0 { // every fourth round may die while still building
			select {
			case <-started:
			case <-time.After(30 * time.Second):
				t.Fatalf("round %d: did not start", round)
			}
		}
		time.Sleep(time.Duration(5+rng.IntN(80)) * time.Millisecond)
		kill()
		wg.Wait()
		_ = g.Close()
		if err := rt.Wait(); err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
		for _, name := range []string{"counter", "relations"} {
			duplicates += metric(t, reg, "iup_projection_duplicates_total", name)
			gaps += metric(t, reg, "iup_projection_gaps_total", name)
		}
	}
	if duplicates == 0 || gaps == 0 {
		t.Fatalf("the bus injected %v duplicates and %v gaps: the test proved nothing", duplicates, gaps)
	}
	t.Logf("%d rounds: %v duplicates skipped, %v gaps filled from the store", rounds, duplicates, gaps)
	// A last projector settles the views.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	rt, g, _ := chaosRuntime(t, events, views, rng.Uint64())
	defer g.Close()
	if err := rt.Start(ctx); err != nil {
		t.Fatal(err)
	}
	go forward(ctx, t, events, g, rt)
	last := w.append(200)
	waitFor(t, rt, "counter", last)
	waitFor(t, rt, "relations", last)
	sameDocuments(t, "counter", activeDocuments(t, views, "counter"), cleanBuild(t, events, counter))
	sameDocuments(t, "relations", activeDocuments(t, views, "relations"), cleanBuild(t, events, relationsView))
	for _, name := range []string{"counter", "relations"} {
		if p, _ := rt.Parked(name); len(p) != 0 {
			t.Fatalf("%s parked %+v", name, p)
		}
	}
}

func chaosRuntime(t *testing.T, events eventstore.Store, views *memstore.Store, seed uint64) (*runtime.Runtime, *bus.GoChannel, *prometheus.Registry) {
	t.Helper()
	g := bus.NewGoChannel(nil)
	chaos := &chaosBus{upstream: g, rng: rand.New(rand.NewPCG(seed, 3))}
	reg := newRegistry()
	cfg := config(events, views, chaos, reg, counter, relationsView)
	cfg.BatchSize = 1 + int(seed%16)
	rt, err := runtime.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return rt, g, reg
}
