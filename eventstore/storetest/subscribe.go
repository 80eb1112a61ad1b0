package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/iup-platform/iup/eventstore"
)

// collector runs one subscription and keeps the events of the suite's streams.
type collector struct {
	mu   sync.Mutex
	got  []eventstore.RecordedEvent
	err  error
	done chan struct{}
}

func subscribe(c context.Context, s eventstore.Store, after eventstore.Position, streams map[string]bool) *collector {
	col := &collector{done: make(chan struct{})}
	go func() {
		defer close(col.done)
		for ev, err := range s.Subscribe(c, after) {
			col.mu.Lock()
			if err != nil {
				col.err = err
				col.mu.Unlock()
				return
			}
			if streams[ev.Stream] {
				col.got = append(col.got, ev)
			}
			col.mu.Unlock()
		}
	}()
	return col
}

// waitFor waits until n events are collected (or more: a duplicate shows
// up as a mismatch in the comparison that follows).
func (col *collector) waitFor(t *testing.T, n int) []eventstore.RecordedEvent {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		col.mu.Lock()
		got, err := append([]eventstore.RecordedEvent(nil), col.got...), col.err
		col.mu.Unlock()
		if err != nil {
			t.Fatalf("subscription failed after %d events: %v", len(got), err)
		}
		if len(got) >= n {
			return got
		}
		if time.Now().After(deadline) {
			t.Fatalf("subscription delivered %d of %d events in 30s", len(got), n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func sameSequence(t *testing.T, name string, got, want []eventstore.RecordedEvent) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: delivered %d events, want %d", name, len(got), len(want))
	}
	for i := range want {
		if got[i].ID != want[i].ID || got[i].Position != want[i].Position {
			t.Fatalf("%s: event %d is %s at %v, want %s at %v (gap, duplicate or reordering)",
				name, i, got[i].ID, got[i].Position, want[i].ID, want[i].Position)
		}
	}
}

func (h *harness) testSubscriptionHandOff(t *testing.T) {
	const writers, appendsEach = 4, 40
	s := h.store(t)
	head, err := s.HeadPosition(ctx(t))
	if err != nil {
		t.Fatalf("head: %v", err)
	}
	streams := map[string]bool{}
	names := make([]string, writers)
	for w := range names {
		names[w] = streamName(fmt.Sprintf("sub%d", w))
		streams[names[w]] = true
	}
	// Some history to catch up on, then a middle position in it.
	for i := range 20 {
		mustAppend(t, s, names[i%writers], eventstore.Any(), event(`{"before":true}`))
	}
	history := readOwn(t, s, head, streams)
	mid := history[9].Position

	c, cancel := context.WithCancel(ctx(t))
	defer cancel()
	fromStart := subscribe(c, s, eventstore.Start, streams)
	fromMid := subscribe(c, s, mid, streams)

	// Appends keep coming while the subscriptions catch up and go live.
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := range appendsEach {
				if _, err := s.Append(c, names[w], eventstore.Any(), events(1+i%3)...); err != nil {
					t.Errorf("writer %d: %v", w, err)
					return
				}
			}
		})
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	all := readOwn(t, s, head, streams)
	sameSequence(t, "from start", fromStart.waitFor(t, len(all)), all)
	sameSequence(t, "from a middle position", fromMid.waitFor(t, len(all)-10), all[10:])

	// Still live after the burst: one more append arrives exactly once.
	mustAppend(t, s, names[0], eventstore.Any(), event(`{"after":true}`))
	all = readOwn(t, s, head, streams)
	sameSequence(t, "from start, live", fromStart.waitFor(t, len(all)), all)
	cancel()
	<-fromStart.done
	<-fromMid.done
}

func (h *harness) testSubscriptionCancel(t *testing.T) {
	s := h.store(t)
	head, err := s.HeadPosition(ctx(t))
	if err != nil {
		t.Fatalf("head: %v", err)
	}
	stream := streamName("subcancel")
	mustAppend(t, s, stream, eventstore.NoStream(), event(`{"one":true}`))
	c, cancel := context.WithCancel(ctx(t))
	defer cancel()
	ended := make(chan error, 1)
	go func() {
		var last error
		for ev, err := range s.Subscribe(c, head) {
			if err != nil {
				last = err
				continue // the iterator must end by itself after the error
			}
			if ev.Stream == stream {
				cancel() // now waiting live, with nothing more to read
			}
		}
		ended <- last
	}()
	select {
	case err := <-ended:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("subscription ended with %v, want context.Canceled", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("subscription did not end within 10s of its context being cancelled")
	}
}
