package sqlite

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/iup-platform/iup/eventstore"
	"github.com/iup-platform/iup/eventstore/storetest"
)

func TestContractWithoutStreamCache(t *testing.T) {
	storetest.Run(t, func(t *testing.T, clock eventstore.Clock) eventstore.Store {
		s, _ := openTest(t, WithClock(clock), WithStreamCache(0))
		return s
	}, storetest.Options{IdempotentForAllExpectations: true, ReportsIDReuse: true})
}

func datas(evs []eventstore.RecordedEvent) []string {
	out := make([]string, len(evs))
	for i, ev := range evs {
		out[i] = fmt.Sprintf("%d:%s", ev.Revision, ev.Data)
	}
	return out
}

func TestCachedReadsSeeAppendsByAnotherHandle(t *testing.T) {
	ctx := context.Background()
	a, path := openTest(t)
	if _, err := a.Append(ctx, "entry-1", eventstore.NoStream(), event(`{"n":0}`)); err != nil {
		t.Fatal(err)
	}
	if evs, err := a.ReadStream(ctx, "entry-1", eventstore.ReadStreamOptions{}); err != nil || len(evs) != 1 {
		t.Fatalf("first read: %v, %v", datas(evs), err)
	}
	if evs, _, _ := a.cache.prefix("entry-1"); len(evs) != 1 {
		t.Fatal("a read from the start should be cached")
	}
	// Another handle on the same file (as another process would be) appends.
	b, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = b.Close() }()
	if _, err := b.Append(ctx, "entry-1", eventstore.Exact(0), event(`{"n":1}`), event(`{"n":2}`)); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		opts eventstore.ReadStreamOptions
		want string
	}{
		{eventstore.ReadStreamOptions{}, `[0:{"n":0} 1:{"n":1} 2:{"n":2}]`},
		{eventstore.ReadStreamOptions{From: 1, Limit: 1}, `[1:{"n":1}]`},
		{eventstore.ReadStreamOptions{Limit: 2}, `[0:{"n":0} 1:{"n":1}]`},
		{eventstore.ReadStreamOptions{From: 3}, `[]`},
		{eventstore.ReadStreamOptions{FromEnd: true, Backwards: true, Limit: 1}, `[2:{"n":2}]`},
	} {
		evs, err := a.ReadStream(ctx, "entry-1", tc.opts)
		if got := fmt.Sprint(datas(evs)); err != nil || got != tc.want {
			t.Fatalf("read %+v = %s, %v; want %s", tc.opts, got, err, tc.want)
		}
	}
	// The cache now holds all three: an append by b is still seen.
	if _, err := b.Append(ctx, "entry-1", eventstore.Exact(2), event(`{"n":3}`)); err != nil {
		t.Fatal(err)
	}
	evs, err := a.ReadStream(ctx, "entry-1", eventstore.ReadStreamOptions{From: 2})
	if got := fmt.Sprint(datas(evs)); err != nil || got != `[2:{"n":2} 3:{"n":3}]` {
		t.Fatalf("read after the second append = %s, %v", got, err)
	}
}

func TestCachedEventsAreTheCallersOwn(t *testing.T) {
	ctx := context.Background()
	s, _ := openTest(t)
	if _, err := s.Append(ctx, "entry-1", eventstore.NoStream(), event(`{"n":0}`)); err != nil {
		t.Fatal(err)
	}
	for range 2 { // the second read is served from the cache
		evs, err := s.ReadStream(ctx, "entry-1", eventstore.ReadStreamOptions{})
		if err != nil || len(evs) != 1 || string(evs[0].Data) != `{"n":0}` {
			t.Fatalf("read = %v, %v", datas(evs), err)
		}
		evs[0].Data[1] = 'X'
		evs[0].Stream = "changed"
	}
	if got, _, _ := s.cache.prefix("entry-1"); string(got[0].Data) != `{"n":0}` || got[0].Stream != "entry-1" {
		t.Fatalf("a caller's change reached the cache: %s %s", got[0].Stream, got[0].Data)
	}
}

func TestStreamCacheStaysWithinItsBudget(t *testing.T) {
	ctx := context.Background()
	const budget = 256 << 10
	s, _ := openTest(t, WithStreamCache(budget))
	for i := range 100 {
		stream := fmt.Sprintf("entry-%d", i)
		evs := make([]eventstore.EventData, 20)
		for j := range evs {
			evs[j] = event(fmt.Sprintf(`{"n":%d,"pad":"%0100d"}`, j, 0))
		}
		if _, err := s.Append(ctx, stream, eventstore.NoStream(), evs...); err != nil {
			t.Fatal(err)
		}
		if got, err := s.ReadStream(ctx, stream, eventstore.ReadStreamOptions{}); err != nil || len(got) != 20 {
			t.Fatalf("read %s: %d events, %v", stream, len(got), err)
		}
		s.cache.mu.Lock()
		size, n := s.cache.size, len(s.cache.streams)
		s.cache.mu.Unlock()
		if size > budget || size != cachedSize(s.cache) {
			t.Fatalf("after %d streams the cache counts %d bytes (%d streams), budget %d", i+1, size, n, budget)
		}
	}
	if n := len(s.cache.streams); n == 0 || n == 100 {
		t.Fatalf("the cache holds %d of 100 streams: want some, not all", n)
	}
}

func cachedSize(c *streamCache) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for _, e := range c.streams {
		n += eventsSize(e.evs)
	}
	return n
}

// The cache's size is a metric: a soak tells its growth (to its bound)
// from a leak by it.
func TestStreamCacheSizeIsExported(t *testing.T) {
	ctx := context.Background()
	s, _ := openTest(t)
	gauge := func() float64 {
		for _, c := range s.Collectors() {
			descs := make(chan *prometheus.Desc, 1)
			c.Describe(descs)
			if strings.Contains((<-descs).String(), `"iup_eventstore_stream_cache_bytes"`) {
				var m dto.Metric
				if err := c.(prometheus.Metric).Write(&m); err != nil {
					t.Fatal(err)
				}
				return m.GetGauge().GetValue()
			}
		}
		t.Fatal("no gauge among the store's collectors")
		return 0
	}
	if g := gauge(); g != 0 {
		t.Fatalf("an empty cache reports %v bytes", g)
	}
	if _, err := s.Append(ctx, "entry-1", eventstore.NoStream(), event(`{"n":0}`)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ReadStream(ctx, "entry-1", eventstore.ReadStreamOptions{}); err != nil {
		t.Fatal(err)
	}
	if g, want := gauge(), float64(s.cache.bytes()); g != want || g < cachedEventOverhead {
		t.Fatalf("the gauge reports %v bytes, the cache holds %v", g, want)
	}
}

// The cache's budget is memory: what it counts for its events is, within a
// fifth, what they take on the heap. Events as the API stores them: a small
// payload and full metadata (tenant, actor, request id, hashes).
func TestStreamCacheCountsWhatItHolds(t *testing.T) {
	ctx := context.Background()
	s, _ := openTest(t, WithStreamCache(256<<20))
	const streams, each = 200, 60
	for i := range streams {
		stream := fmt.Sprintf("faults/staff/staff-%026d", i)
		evs := make([]eventstore.EventData, each)
		for j := range evs {
			evs[j] = eventstore.EventData{ID: eventstore.NewEventID(), Type: "roster.staff-renamed", SchemaVersion: 1,
				Data: []byte(fmt.Sprintf(`{"staff_id":"staff-%026d","display_name":"sealed:%0120d"}`, i, j)),
				Metadata: eventstore.Metadata{Tenant: "faults", ActorID: "admin1", ActorRole: "admin",
					CorrelationID: eventstore.NewEventID().String(), RequestID: fmt.Sprintf("idem:%032d.%016d", j, i)}}
		}
		if _, err := s.Append(ctx, stream, eventstore.NoStream(), evs...); err != nil {
			t.Fatal(err)
		}
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	for i := range streams {
		if _, err := s.ReadStream(ctx, fmt.Sprintf("faults/staff/staff-%026d", i), eventstore.ReadStreamOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	held, counted := float64(after.HeapAlloc)-float64(before.HeapAlloc), float64(s.cache.bytes())
	t.Logf("%d events cached: %.0f bytes on the heap, %.0f counted (%.0f%%)", streams*each, held, counted, 100*counted/held)
	if counted < 0.8*held || counted > 1.25*held {
		t.Fatalf("the cache counts %.0f bytes for %.0f it holds", counted, held)
	}
}
