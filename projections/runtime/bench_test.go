package runtime_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/iup-platform/iup/domain/roster"
	"github.com/iup-platform/iup/eventstore"
	"github.com/iup-platform/iup/eventstore/sqlite"
	"github.com/iup-platform/iup/projections"
	"github.com/iup-platform/iup/projections/memstore"
	"github.com/iup-platform/iup/projections/redisstore"
	"github.com/iup-platform/iup/projections/redistest"
	"github.com/iup-platform/iup/projections/runtime"
)

// benchEvents is the size of the log the rebuild benchmarks read.
const benchEvents = 20_000

var (
	benchOnce  sync.Once
	benchStore eventstore.Store
	benchDir   string
)

// benchLog is one SQLite log of benchEvents roster events, shared by the
// rebuild benchmarks of one run.
func benchLog(b *testing.B) eventstore.Store {
	benchOnce.Do(func() {
		dir, err := os.MkdirTemp("", "iup-bench-")
		if err != nil {
			b.Fatal(err)
		}
		benchDir = dir
		s := openEventsAt(b, dir)
		newWriter(b, s, 42).append(benchEvents)
		benchStore = s
	})
	return benchStore
}

func TestMain(m *testing.M) {
	code := m.Run()
	if benchStore != nil {
		_ = benchStore.Close()
		_ = os.RemoveAll(benchDir)
	}
	os.Exit(code)
}

func eventsPerSecond(b *testing.B, n int) {
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "events/s")
}

// The ceiling of a rebuild: reading and decoding the same events.
func BenchmarkRebuildCeilingReadDecode(b *testing.B) {
	events := benchLog(b)
	decoder := eventstore.NewDomainLog(events, codec)
	ctx := context.Background()
	b.ResetTimer()
	for range b.N {
		after, n := eventstore.Start, 0
		for {
			page, err := events.ReadAll(ctx, after, 500)
			if err != nil {
				b.Fatal(err)
			}
			if len(page) == 0 {
				break
			}
			for _, rec := range page {
				if _, err := decoder.Decode(ctx, rec); err != nil {
					b.Fatal(err)
				}
			}
			n += len(page)
			after = page[len(page)-1].Position
		}
		if n != benchEvents {
			b.Fatalf("read %d events", n)
		}
	}
	eventsPerSecond(b, benchEvents)
}

func BenchmarkRebuildMemory(b *testing.B) {
	events := benchLog(b)
	for _, p := range []projections.Projection{counter, relationsView} {
		b.Run(p.Name, func(b *testing.B) {
			for range b.N {
				rebuildInto(b, events, memstore.New(), p)
			}
			eventsPerSecond(b, benchEvents)
		})
	}
}

func rebuildInto(b *testing.B, events eventstore.Store, views projections.Store, p projections.Projection) {
	cfg := config(events, views, handBus{}, newRegistry(), p)
	cfg.BatchSize = 500
	rt, err := runtime.New(cfg)
	if err != nil {
		b.Fatal(err)
	}
	if err := rt.Rebuild(context.Background(), p.Name); err != nil {
		b.Fatal(err)
	}
}

// recorder keeps the batches a rebuild commits, to replay the same writes
// as plain Redis commands.
type recorder struct {
	projections.Store
	mu      sync.Mutex
	batches [][]projections.Change
	cps     []string
}

func (r *recorder) Apply(ctx context.Context, ns projections.Namespace, from, to eventstore.Position, changes []projections.Change, fence projections.Fence) error {
	r.mu.Lock()
	r.batches = append(r.batches, slices.Clone(changes))
	r.cps = append(r.cps, to.String())
	r.mu.Unlock()
	return r.Store.Apply(ctx, ns, from, to, changes, fence)
}

func BenchmarkRebuildRedis(b *testing.B) {
	events := benchLog(b)
	client := redistest.Client(b)
	ctx := context.Background()
	for _, p := range []projections.Projection{counter, relationsView} {
		rec := &recorder{Store: memstore.New()}
		rebuildInto(b, events, rec, p)
		b.Run(p.Name+"/runtime", func(b *testing.B) {
			for range b.N {
				prefix := redistest.Namespace(b)
				rebuildInto(b, events, redisstore.New(client, prefix), p)
				b.StopTimer()
				dropPrefix(b, client, prefix)
				b.StartTimer()
			}
			eventsPerSecond(b, benchEvents)
		})
		// The same keys and values, one pipeline per batch, no reads, no
		// script, no checkpoint check: what Redis can take at best.
		b.Run(p.Name+"/pipelined-baseline", func(b *testing.B) {
			for range b.N {
				prefix := redistest.Namespace(b)
				docs, cp := prefix+"view:x", prefix+"checkpoint:x"
				for i, batch := range rec.batches {
					pipe := client.Pipeline()
					for _, c := range batch {
						if c.Value == nil {
							pipe.HDel(ctx, docs, c.Key)
						} else {
							pipe.HSet(ctx, docs, c.Key, c.Value)
						}
					}
					pipe.Set(ctx, cp, rec.cps[i], 0)
					if _, err := pipe.Exec(ctx); err != nil {
						b.Fatal(err)
					}
				}
				b.StopTimer()
				dropPrefix(b, client, prefix)
				b.StartTimer()
			}
			eventsPerSecond(b, benchEvents)
		})
	}
}

func dropPrefix(b *testing.B, client *redis.Client, prefix string) {
	ctx := context.Background()
	keys, err := client.Keys(ctx, prefix+"*").Result()
	if err != nil {
		b.Fatal(err)
	}
	if len(keys) > 0 {
		if err := client.Del(ctx, keys...).Err(); err != nil {
			b.Fatal(err)
		}
	}
}

func openEventsAt(b *testing.B, dir string) eventstore.Store {
	s, err := sqlite.Open(filepath.Join(dir, "events.db"))
	if err != nil {
		b.Fatal(err)
	}
	return s
}

// The live path: events appended (100 to an append) while the runtime runs,
// until the projection's checkpoint reaches the last; the append-only
// figure is the same appends with no projector, for scale.
func BenchmarkLiveGoChannel(b *testing.B) {
	const perAppend = 100
	appendAll := func(b *testing.B, events eventstore.Store) eventstore.Position {
		var last eventstore.Position
		for i := 0; i < b.N; i += perAppend {
			last = appendBurst(b, events, fmt.Sprintf("staff-t1.bench%d", i), min(perAppend, b.N-i))
		}
		return last
	}
	b.Run("append-only", func(b *testing.B) {
		events := openEvents(b)
		b.ResetTimer()
		appendAll(b, events)
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
	})
	b.Run("append+project", func(b *testing.B) {
		events := openEvents(b)
		s := start(b, events, memstore.New(), counter)
		<-s.rt.Ready()
		b.ResetTimer()
		last := appendAll(b, events)
		waitFor(b, s.rt, "counter", last)
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
	})
}

// Append-to-visible: one event appended, then wait until the projection's
// checkpoint passes it; p50 and p99 over b.N appends.
func BenchmarkAppendToVisible(b *testing.B) {
	events := openEvents(b)
	s := start(b, events, memstore.New(), counter, relationsView)
	<-s.rt.Ready()
	w := newWriter(b, events, 43)
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for range b.N {
		t0 := time.Now()
		pos := w.append(1)
		waitFor(b, s.rt, "counter", pos)
		waitFor(b, s.rt, "relations", pos)
		lat = append(lat, time.Since(t0))
	}
	b.StopTimer()
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
}

// appendBurst appends n staff events to one stream in one append.
func appendBurst(b *testing.B, events eventstore.Store, stream string, n int) eventstore.Position {
	data := make([]eventstore.EventData, n)
	for i := range data {
		id := eventstore.NewEventID()
		ev := roster.StaffRegistered{StaffID: "m1", DisplayName: "Staff"}
		payload, version, err := codec.Encode(context.Background(), "t1", id, ev)
		if err != nil {
			b.Fatal(err)
		}
		data[i] = eventstore.EventData{ID: id, Type: ev.EventType(), SchemaVersion: version, Data: payload,
			Metadata: eventstore.Metadata{Tenant: "t1", ActorID: "admin1", ActorRole: "admin"}}
	}
	res, err := events.Append(context.Background(), stream, eventstore.Any(), data...)
	if err != nil {
		b.Fatal(err)
	}
	return res.Position
}
