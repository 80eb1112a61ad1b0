package runtime_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/iup-platform/iup/eventstore"
	"github.com/iup-platform/iup/projections"
	"github.com/iup-platform/iup/projections/bus"
	"github.com/iup-platform/iup/projections/memstore"
	"github.com/iup-platform/iup/projections/runtime"
)

// handBus is a bus the test feeds by hand, one message at a time.
type handBus struct{ feed chan *message.Message }

func (h handBus) Subscribe(context.Context, string) (<-chan *message.Message, error) {
	return h.feed, nil
}

type handSetup struct {
	rt    *runtime.Runtime
	reg   *prometheus.Registry
	feed  chan *message.Message
	views projections.Store
}

func startByHand(t *testing.T, events eventstore.Store, views projections.Store, ps ...projections.Projection) *handSetup {
	t.Helper()
	h := &handSetup{feed: make(chan *message.Message), reg: prometheus.NewRegistry(), views: views}
	rt, err := runtime.New(config(events, views, handBus{h.feed}, h.reg, ps...))
	if err != nil {
		t.Fatal(err)
	}
	h.rt = rt
	ctx, cancel := context.WithCancel(context.Background())
	if err := rt.Start(ctx); err != nil {
		t.Fatal(err)
	}
	select {
	case <-rt.Ready():
	case <-time.After(30 * time.Second):
		t.Fatal("the runtime did not catch up")
	}
	t.Cleanup(func() {
		cancel()
		if err := rt.Wait(); err != nil {
			t.Error(err)
		}
	})
	return h
}

// send delivers the events with indexes from..to (1-based) as one message
// and waits for its ack.
func (h *handSetup) send(t *testing.T, log []eventstore.RecordedEvent, from, to int) {
	t.Helper()
	prev := eventstore.Start
	if from > 1 {
		prev = log[from-2].Position
	}
	msg, err := bus.Encode(bus.Batch{Prev: prev, Events: log[from-1 : to]})
	if err != nil {
		t.Fatal(err)
	}
	h.feed <- msg
	select {
	case <-msg.Acked():
	case <-msg.Nacked():
		t.Fatalf("message %d..%d nacked", from, to)
	case <-time.After(10 * time.Second):
		t.Fatalf("message %d..%d not acked", from, to)
	}
}

func readLog(t *testing.T, events eventstore.Store) []eventstore.RecordedEvent {
	t.Helper()
	log, err := events.ReadAll(context.Background(), eventstore.Start, 100000)
	if err != nil {
		t.Fatal(err)
	}
	return log
}

func checkpoint(t *testing.T, views projections.Store, name string) eventstore.Position {
	t.Helper()
	ns, err := views.Active(context.Background(), name)
	if err != nil {
		t.Fatal(err)
	}
	cp, _, err := views.Checkpoint(context.Background(), ns)
	if err != nil {
		t.Fatal(err)
	}
	return cp
}

func TestDuplicatesAreSkippedAndGapsFilledFromTheStore(t *testing.T) {
	events := openEvents(t)
	h := startByHand(t, events, memstore.New(), counter)
	newWriter(t, events, 2).append(10)
	log := readLog(t, events)

	h.send(t, log, 5, 6) // 1..4 never arrived: read from the store
	if cp := checkpoint(t, h.views, "counter"); cp != log[5].Position {
		t.Fatalf("after a gap the checkpoint is %s, want %s", cp, log[5].Position)
	}
	h.send(t, log, 3, 3) // a redelivery
	h.send(t, log, 5, 7) // overlaps: only 7 is new
	h.send(t, log, 10, 10)
	if cp := checkpoint(t, h.views, "counter"); cp != log[9].Position {
		t.Fatalf("checkpoint %s, want %s", cp, log[9].Position)
	}
	sameDocuments(t, "counter", activeDocuments(t, h.views, "counter"), cleanBuild(t, events, counter))
	if g := metric(t, h.reg, "iup_projection_gaps_total", "counter"); g != 2 {
		t.Fatalf("gaps_total = %v, want 2", g)
	}
	if d := metric(t, h.reg, "iup_projection_duplicates_total", "counter"); d != 1 {
		t.Fatalf("duplicates_total = %v, want 1", d)
	}
}

func TestAMovedCheckpointIsReReadNotAppliedTwice(t *testing.T) {
	events := openEvents(t)
	views := memstore.New()
	h := startByHand(t, events, views, counter)
	newWriter(t, events, 3).append(6)
	log := readLog(t, events)
	h.send(t, log, 1, 2)
	// Another projector on the same store applies 3..6 behind this one's back.
	other := startByHand(t, events, views, counter)
	waitFor(t, other.rt, "counter", log[5].Position)
	h.send(t, log, 3, 6)
	waitFor(t, h.rt, "counter", log[5].Position)
	sameDocuments(t, "counter", activeDocuments(t, views, "counter"), cleanBuild(t, events, counter))
}

func TestIgnoredEventsMoveTheCheckpoint(t *testing.T) {
	events := openEvents(t)
	none := projections.Projection{Name: "none", Version: 1, Handles: []string{"no.such-event"},
		Apply: func(projections.Tx, projections.Event) error {
			return errors.New("called for an event it does not handle")
		}}
	h := startByHand(t, events, memstore.New(), none)
	newWriter(t, events, 4).append(5)
	log := readLog(t, events)
	h.send(t, log, 1, 5)
	if cp := checkpoint(t, h.views, "none"); cp != log[4].Position {
		t.Fatalf("checkpoint %s, want the head %s", cp, log[4].Position)
	}
	if p, _ := h.rt.Parked("none"); len(p) != 0 {
		t.Fatalf("parked %v", p)
	}
}

func TestWaitForReturnsAtThePositionOrWhenTheCallerGivesUp(t *testing.T) {
	events := openEvents(t)
	h := startByHand(t, events, memstore.New(), counter)
	w := newWriter(t, events, 5)
	w.append(3)
	log := readLog(t, events)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if err := h.rt.WaitFor(ctx, "counter", log[2].Position); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("WaitFor before the event arrived = %v, want the deadline", err)
	}
	done := make(chan error, 1)
	go func() { done <- h.rt.WaitFor(context.Background(), "counter", log[1].Position) }()
	h.send(t, log, 1, 3)
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("WaitFor did not return once the checkpoint passed the position")
	}
	if err := h.rt.WaitFor(context.Background(), "nobody", log[0].Position); err == nil {
		t.Fatal("WaitFor on an unknown projection succeeded")
	}
}
