package sqlite

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/iup-platform/iup/eventstore"
	"github.com/iup-platform/iup/eventstore/storetest"
)

func TestContractAsSoleWriter(t *testing.T) {
	storetest.Run(t, func(t *testing.T, clock eventstore.Clock) eventstore.Store {
		s, _ := openTest(t, WithClock(clock), WithSoleWriter())
		return s
	}, storetest.Options{IdempotentForAllExpectations: true, ReportsIDReuse: true})
}

// A sole writer's cache holds whole streams: a read of a cached stream
// asks the file nothing, and returns what a fresh handle reads from it,
// through single and multi-event appends, conflicts and retries.
func TestASoleWritersCachedStreamsAreWhole(t *testing.T) {
	ctx := context.Background()
	s, path := openTest(t, WithSoleWriter())
	md := eventstore.Metadata{Tenant: "t", ActorID: "a1", ActorRole: "teacher", OnBehalfOf: "x", CorrelationID: "c"}
	ev := func(data string) eventstore.EventData {
		e := event(data)
		e.Metadata = md
		return e
	}
	if _, err := s.Append(ctx, "entry-1", eventstore.NoStream(), ev(`{"n":0}`)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ReadStream(ctx, "entry-1", eventstore.ReadStreamOptions{}); err != nil {
		t.Fatal(err)
	}
	retry := []eventstore.EventData{ev(`{"n":1}`), ev(`{"n":2}`)}
	if _, err := s.Append(ctx, "entry-1", eventstore.Exact(0), retry...); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Append(ctx, "entry-1", eventstore.Exact(0), retry...); err != nil {
		t.Fatalf("a retried append: %v", err)
	}
	if _, err := s.Append(ctx, "entry-1", eventstore.Exact(0), ev(`{"n":"late"}`)); err == nil {
		t.Fatal("an append at a past revision was taken")
	}
	if _, err := s.Append(ctx, "entry-1", eventstore.Exact(2), ev(`{"n":3}`)); err != nil {
		t.Fatal(err)
	}
	cached, whole, _ := s.cache.prefix("entry-1")
	if !whole || len(cached) != 4 {
		t.Fatalf("cache holds %d events (whole: %v), want the stream's 4", len(cached), whole)
	}
	fresh, err := Open(path, WithStreamCache(0)) // reads only; appends would be refused
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = fresh.Close() }()
	for _, opts := range []eventstore.ReadStreamOptions{{}, {From: 1}, {From: 2, Limit: 1}, {From: 4}} {
		want, err := fresh.ReadStream(ctx, "entry-1", opts)
		if err != nil {
			t.Fatal(err)
		}
		s.read.forward = nil // a query now would panic: the cache must answer
		got, err := s.ReadStream(ctx, "entry-1", opts)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%+v: cached %+v\nfile %+v", opts, got, want)
		}
	}
}

// Only one sole writer opens a file, and while it is open no other handle
// appends to it; a handle that appended keeps a sole writer out. Both go
// once the other closes.
func TestASoleWriterExcludesOtherWriters(t *testing.T) {
	ctx := context.Background()
	s, path := openTest(t, WithSoleWriter())
	if _, err := Open(path, WithSoleWriter()); err == nil || !errors.Is(err, eventstore.ErrUnavailable) || !strings.Contains(err.Error(), "another process writes") {
		t.Fatalf("a second sole writer opened: %v", err)
	}
	other, err := Open(path)
	if err != nil {
		t.Fatalf("a handle that only reads: %v", err)
	}
	if _, err := other.Append(ctx, "entry-1", eventstore.NoStream(), event(`{}`)); !errors.Is(err, eventstore.ErrUnavailable) {
		t.Fatalf("another handle appended beside the sole writer: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := other.Append(ctx, "entry-1", eventstore.NoStream(), event(`{}`)); err != nil {
		t.Fatalf("after the sole writer closed: %v", err)
	}
	if _, err := Open(path, WithSoleWriter()); err == nil {
		t.Fatal("a sole writer opened beside a handle that appends")
	}
	if err := other.Close(); err != nil {
		t.Fatal(err)
	}
	again, err := Open(path, WithSoleWriter())
	if err != nil {
		t.Fatalf("after every writer closed: %v", err)
	}
	_ = again.Close()
}

// Readers that fill the cache race the writer's commits: a reader that read
// a stream before a commit must not put it back without the commit's
// events. The cache holds about a third of the streams, so they go and
// come back all along (in the second run most never fit); every writer
// reads its own append right after it returns, whole and from its
// revision, and finds nothing past it.
func TestASoleWritersCacheNeverLosesAnAppend(t *testing.T) {
	for _, budget := range []int{256 << 10, 8 << 10} { // streams that fit, and that mostly do not
		t.Run(fmt.Sprint(budget), func(t *testing.T) { soleWriterStress(t, budget) })
	}
}

func soleWriterStress(t *testing.T, budget int) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	s, _ := openTest(t, WithSoleWriter(), WithStreamCache(budget))
	const writers, perWriter, appends = 16, 4, 40
	stream := func(w, i int) string { return fmt.Sprintf("s-%d-%d", w, i) }
	readers := make(chan error, 4)
	for r := range 4 {
		go func() {
			for k := r; ctx.Err() == nil; k++ {
				// Whole streams fill the cache; reads from a later revision
				// teach it where streams end.
				_, err := s.ReadStream(ctx, stream(k%writers, (k/writers)%perWriter), eventstore.ReadStreamOptions{From: uint64(k % 3 * (k % appends))})
				if err != nil && !errors.Is(err, eventstore.ErrStreamNotFound) && ctx.Err() == nil {
					readers <- err
					return
				}
			}
			readers <- nil
		}()
	}
	errs := make(chan error, writers)
	for w := range writers {
		go func() {
			for n := range appends {
				for i := range perWriter {
					exp := eventstore.Exact(uint64(n - 1))
					if n == 0 {
						exp = eventstore.NoStream()
					}
					if _, err := s.Append(ctx, stream(w, i), exp, event(`{"n":1}`)); err != nil {
						errs <- err
						return
					}
					evs, err := s.ReadStream(ctx, stream(w, i), eventstore.ReadStreamOptions{})
					if err != nil {
						errs <- err
						return
					}
					if len(evs) != n+1 {
						errs <- fmt.Errorf("%s: a read right after append %d has %d events", stream(w, i), n, len(evs))
						return
					}
					// What a fold from a kept state reads: only the new event.
					tail, err := s.ReadStream(ctx, stream(w, i), eventstore.ReadStreamOptions{From: uint64(n)})
					if err != nil || len(tail) != 1 || tail[0].Revision != uint64(n) {
						errs <- fmt.Errorf("%s: a read from revision %d right after appending it gave %d events, %v", stream(w, i), n, len(tail), err)
						return
					}
					if past, err := s.ReadStream(ctx, stream(w, i), eventstore.ReadStreamOptions{From: uint64(n + 1)}); err != nil || len(past) != 0 {
						errs <- fmt.Errorf("%s: a read past the end gave %d events, %v", stream(w, i), len(past), err)
						return
					}
				}
			}
			errs <- nil
		}()
	}
	for range writers {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
	cancel()
	for range 4 {
		if err := <-readers; err != nil {
			t.Error(err)
		}
	}
}
