package runtime_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"

	"github.com/iup-platform/iup/eventstore"
	"github.com/iup-platform/iup/projections"
	"github.com/iup-platform/iup/projections/memstore"
	"github.com/iup-platform/iup/projections/runtime"
)

// readCounter counts the events the log's ReadAll hands out.
type readCounter struct {
	eventstore.Store
	events atomic.Int64
}

func (c *readCounter) ReadAll(ctx context.Context, after eventstore.Position, limit int) ([]eventstore.RecordedEvent, error) {
	page, err := c.Store.ReadAll(ctx, after, limit)
	c.events.Add(int64(len(page)))
	return page, err
}

// startTogether starts one runtime per projection at the same moment, as
// `iupd project` does under its leases, each building its view into views,
// and returns what each Start returned. ctxs[i], when set, is runtime i's
// context.
func startTogether(t *testing.T, events eventstore.Store, views projections.Store, passes *runtime.Passes, ctxs []context.Context, ps ...projections.Projection) []error {
	t.Helper()
	errs := make([]error, len(ps))
	var wg sync.WaitGroup
	for i, p := range ps {
		cfg := config(events, views, handBus{make(chan *message.Message)}, newRegistry(), p)
		cfg.RebuildBatchSize = 50 // a pass of many pages
		cfg.Passes = passes
		rt, err := runtime.New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		if ctxs != nil && ctxs[i] != nil {
			ctx, cancel = context.WithCancel(ctxs[i])
		}
		t.Cleanup(func() {
			cancel()
			_ = rt.Wait()
		})
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = rt.Start(ctx)
		}()
	}
	wg.Wait()
	return errs
}

func TestRuntimesStartingTogetherRebuildInOnePass(t *testing.T) {
	base := openEvents(t)
	const n = 600
	newWriter(t, base, 11).append(n)
	for _, shared := range []bool{false, true} {
		events := &readCounter{Store: base}
		views := memstore.New()
		var passes *runtime.Passes
		if shared {
			passes = &runtime.Passes{}
		}
		for i, err := range startTogether(t, events, views, passes, nil, counter, relationsView) {
			if err != nil {
				t.Fatalf("shared %v: runtime %d: %v", shared, i, err)
			}
		}
		want := int64(2 * n) // a pass each
		if shared {
			want = n
		}
		if got := events.events.Load(); got != want {
			t.Errorf("shared %v: the rebuilds read %d events of a %d-event log, want %d", shared, got, n, want)
		}
		sameDocuments(t, "counter", activeDocuments(t, views, "counter"), cleanBuild(t, base, counter))
		sameDocuments(t, "relations", activeDocuments(t, views, "relations"), cleanBuild(t, base, relationsView))
	}
}

// A rebuild that stops during a shared pass (its lease lost) stops alone:
// the other builds of the pass go on to the head and switch.
func TestARebuildStoppingInASharedPassLeavesTheOthers(t *testing.T) {
	events := openEvents(t)
	newWriter(t, events, 12).append(600)
	// stuck holds its 100th event until its runtime's context ends.
	lost, loseLease := context.WithCancel(context.Background())
	var seen atomic.Int64
	stuck := counter
	stuck.Name = "stuck"
	stuck.Apply = func(tx projections.Tx, ev projections.Event) error {
		if seen.Add(1) == 100 {
			loseLease()
			<-lost.Done()
		}
		return counter.Apply(tx, ev)
	}
	views := memstore.New()
	errs := startTogether(t, events, views, &runtime.Passes{Gather: 50 * time.Millisecond},
		[]context.Context{lost, nil}, stuck, relationsView)
	if !errors.Is(errs[0], context.Canceled) {
		t.Errorf("the stopped rebuild returned %v, want context.Canceled", errs[0])
	}
	if ns, _ := views.Active(context.Background(), "stuck"); ns != "" {
		t.Errorf("the stopped rebuild switched to %s", ns)
	}
	if errs[1] != nil {
		t.Fatalf("the other rebuild: %v", errs[1])
	}
	sameDocuments(t, "relations", activeDocuments(t, views, "relations"), cleanBuild(t, events, relationsView))
}
