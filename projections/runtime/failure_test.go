package runtime_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/iup-platform/iup/domain/roster"
	"github.com/iup-platform/iup/eventstore"
	"github.com/iup-platform/iup/projections"
	"github.com/iup-platform/iup/projections/memstore"
	"github.com/iup-platform/iup/projections/runtime"
)

func TestAnEventThatKeepsFailingIsParkedAndTheRestGoesOn(t *testing.T) {
	events := openEvents(t)
	var tries sync.Map // event id -> attempts
	fragile := counter
	fragile.Name = "fragile"
	inner := counter.Apply
	fragile.Apply = func(tx projections.Tx, ev projections.Event) error {
		n, _ := tries.LoadOrStore(ev.ID, new(atomic.Int32))
		attempt := n.(*atomic.Int32).Add(1)
		if _, ok := ev.Event.(roster.StaffRegistered); ok && ev.Stream == "staff-t1.m1" {
			tx.Put("half-written", []byte(`{}`)) // must not survive the failure
			return errors.New("cannot apply")
		}
		if _, ok := ev.Event.(roster.GuardianLinked); ok && attempt < 3 {
			return errors.New("fails twice, then works") // retried, not parked
		}
		return inner(tx, ev)
	}
	s := start(t, events, memstore.New(), fragile, counter)
	last := newWriter(t, events, 6).append(200)
	waitFor(t, s.rt, "fragile", last)
	waitFor(t, s.rt, "counter", last)

	parked, err := s.rt.Parked("fragile")
	if err != nil {
		t.Fatal(err)
	}
	if len(parked) != 1 || parked[0].Type != (roster.StaffRegistered{}).EventType() || parked[0].EventID == "" ||
		parked[0].Position.IsStart() || !strings.Contains(parked[0].Error, "cannot apply") || parked[0].At.IsZero() {
		t.Fatalf("parked = %+v, want the one staff event of m1", parked)
	}
	if got := metric(t, s.reg, "iup_projection_parked_total", "fragile"); got != 1 {
		t.Fatalf("parked_total = %v, want 1", got)
	}
	// The fragile view is the clean view without the parked event.
	want := cleanBuild(t, events, counter)
	delete(want, "stream/staff-t1.m1")
	sameDocuments(t, "fragile", activeDocuments(t, s.views, "fragile"), want)
	sameDocuments(t, "counter", activeDocuments(t, s.views, "counter"), cleanBuild(t, events, counter))
	if p, _ := s.rt.Parked("counter"); len(p) != 0 {
		t.Fatalf("counter parked %v", p)
	}
}

// fencedStore refuses every write to one projection's namespaces once
// another projector has taken its lease.
type fencedStore struct {
	projections.Store
	prefix string
	taken  atomic.Bool
}

func (f *fencedStore) Apply(ctx context.Context, ns projections.Namespace, from, to eventstore.Position, changes []projections.Change, fence projections.Fence) error {
	if f.taken.Load() && strings.HasPrefix(string(ns), f.prefix) {
		if fence.Token != "token-counter" {
			return errors.New("fence not passed through")
		}
		return projections.ErrFenced
	}
	return f.Store.Apply(ctx, ns, from, to, changes, fence)
}

func TestFencedOffStopsOnlyThatProjection(t *testing.T) {
	events := openEvents(t)
	views := &fencedStore{Store: memstore.New(), prefix: "counter."}
	g := newGoChannel()
	cfg := config(events, views, g, newRegistry(), counter, relationsView)
	cfg.Fences = func(name string) projections.Fence {
		return projections.Fence{Key: "lease:" + name, Token: "token-" + name}
	}
	rt, err := runtime.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if err := rt.Start(ctx); err != nil {
		t.Fatal(err)
	}
	go forward(ctx, t, events, g, rt)
	w := newWriter(t, events, 7)
	first := w.append(20)
	waitFor(t, rt, "counter", first)

	views.taken.Store(true)
	last := w.append(200)
	// The bus does not stall on the stopped consumer: relations goes on.
	waitFor(t, rt, "relations", last)
	deadline := time.Now().Add(10 * time.Second)
	for !rt.Fenced("counter") && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if !rt.Fenced("counter") || rt.Fenced("relations") {
		t.Fatalf("fenced: counter %v, relations %v; want only counter", rt.Fenced("counter"), rt.Fenced("relations"))
	}
	if cp := checkpoint(t, views, "counter"); cp != first {
		t.Fatalf("the fenced projection wrote up to %s", cp)
	}
	cancel()
	if err := rt.Wait(); err != nil {
		t.Fatal(err)
	}
}
