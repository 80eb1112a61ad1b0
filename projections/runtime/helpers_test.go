package runtime_test

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/iup-platform/iup/domain"
	"github.com/iup-platform/iup/domain/catalog"
	"github.com/iup-platform/iup/domain/roster"
	"github.com/iup-platform/iup/eventstore"
	"github.com/iup-platform/iup/eventstore/sqlite"
	"github.com/iup-platform/iup/projections"
	"github.com/iup-platform/iup/projections/bus"
	"github.com/iup-platform/iup/projections/memstore"
	"github.com/iup-platform/iup/projections/runtime"
	"github.com/iup-platform/iup/projections/views/relations"
)

var codec = eventstore.PlainCodec{Registry: catalog.Events}

// quietLogger keeps test and benchmark output to warnings and errors.
var quietLogger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))

// counter is the synthetic view: per stream, how many events it saw and
// the last revision and position, so a skipped, doubled or reordered event
// changes the bytes.
var counter = projections.Projection{
	Name: "counter", Version: 1,
	Handles: []string{
		roster.StaffRegistered{}.EventType(), roster.StudentRegistered{}.EventType(),
		roster.MentorAssigned{}.EventType(), roster.GuardianLinked{}.EventType(),
	},
	Apply: func(tx projections.Tx, ev projections.Event) error {
		var c struct {
			N        int    `json:"n"`
			Revision uint64 `json:"revision"`
			Position string `json:"position"`
		}
		if _, err := projections.GetJSON(tx, "stream/"+ev.Stream, &c); err != nil {
			return err
		}
		if c.N > 0 && ev.Revision <= c.Revision {
			return fmt.Errorf("stream %s: revision %d after %d", ev.Stream, ev.Revision, c.Revision)
		}
		c.N++
		c.Revision, c.Position = ev.Revision, ev.Position.String()
		return projections.PutJSON(tx, "stream/"+ev.Stream, c)
	},
}

// relationsView runs the real relations documents as a view of their own.
var relationsView = projections.Projection{Name: "relations", Version: 1, Handles: relations.Handles, Apply: relations.Apply}

func openEvents(t testing.TB, opts ...sqlite.Option) *sqlite.Store {
	t.Helper()
	s, err := sqlite.Open(filepath.Join(t.TempDir(), "events.db"), opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// writer appends a plausible roster history: staff, students, then
// mentors and guardians of registered students.
type writer struct {
	t        testing.TB
	store    eventstore.Store
	rng      *rand.Rand
	students int
	staff    int
}

func newWriter(t testing.TB, store eventstore.Store, seed uint64) *writer {
	return &writer{t: t, store: store, rng: rand.New(rand.NewPCG(seed, 1))}
}

var day = domain.MustDate("2026-08-17")

func (w *writer) next() (string, domain.Event) {
	switch k := w.rng.IntN(10); {
	case w.staff == 0 || k == 0:
		w.staff++
		return fmt.Sprintf("staff-t1.m%d", w.staff), roster.StaffRegistered{StaffID: fmt.Sprintf("m%d", w.staff), DisplayName: "Staff"}
	case w.students == 0 || k < 3:
		w.students++
		id := fmt.Sprintf("s%d", w.students)
		return "student-t1." + id, roster.StudentRegistered{StudentID: id, SchoolID: "sk1", Grade: 3, SchoolForm: "grundskola", DisplayName: "Student", EffectiveFrom: day}
	case k < 7:
		id := fmt.Sprintf("s%d", 1+w.rng.IntN(w.students))
		return "student-t1." + id, roster.MentorAssigned{StudentID: id, StaffID: fmt.Sprintf("m%d", 1+w.rng.IntN(w.staff)), EffectiveFrom: day}
	default:
		id := fmt.Sprintf("s%d", 1+w.rng.IntN(w.students))
		return "student-t1." + id, roster.GuardianLinked{StudentID: id, GuardianID: fmt.Sprintf("g%d", w.rng.IntN(50)), Relation: roster.RelationGuardian, EffectiveFrom: day}
	}
}

// append writes n events, one append each, and returns the last position.
func (w *writer) append(n int) eventstore.Position {
	w.t.Helper()
	last, err := w.appendN(n)
	if err != nil {
		w.t.Fatal(err)
	}
	return last
}

// tryAppend is append for goroutines other than the test's.
func (w *writer) tryAppend(n int) error {
	_, err := w.appendN(n)
	return err
}

func (w *writer) appendN(n int) (eventstore.Position, error) {
	var last eventstore.Position
	for range n {
		stream, ev := w.next()
		id := eventstore.NewEventID()
		data, version, err := codec.Encode(context.Background(), "t1", id, ev)
		if err != nil {
			return last, err
		}
		res, err := w.store.Append(context.Background(), stream, eventstore.Any(), eventstore.EventData{
			ID: id, Type: ev.EventType(), SchemaVersion: version, Data: data,
			Metadata: eventstore.Metadata{Tenant: "t1", ActorID: "admin1", ActorRole: "admin"},
		})
		if err != nil {
			return last, err
		}
		last = res.Position
	}
	return last, nil
}

// setup is a runtime over the embedded pieces, with a forwarder.
type setup struct {
	events  eventstore.Store
	views   projections.Store
	bus     runtime.Subscriber
	rt      *runtime.Runtime
	reg     *prometheus.Registry
	stop    context.CancelFunc
	stopped sync.WaitGroup
}

func config(events eventstore.Store, views projections.Store, sub runtime.Subscriber, reg prometheus.Registerer, ps ...projections.Projection) runtime.Config {
	return runtime.Config{
		Events: events, Codec: codec, Views: views, Bus: sub, Projections: ps, Registerer: reg,
		BatchSize: 64, Retry: runtime.Retry{Attempts: 3, Base: time.Millisecond, Max: 5 * time.Millisecond},
		LagInterval: 10 * time.Millisecond, Logger: quietLogger,
		// Several forks render even on one core, so the tests run them
		// concurrently wherever they run.
		RebuildRenderWorkers: 3,
	}
}

// start runs a runtime and a GoChannel forwarder until the test ends.
func start(t testing.TB, events eventstore.Store, views projections.Store, ps ...projections.Projection) *setup {
	t.Helper()
	return startWith(t, events, codec, views, ps...)
}

// startWith is start with the events' own codec.
func startWith(t testing.TB, events eventstore.Store, c eventstore.Codec, views projections.Store, ps ...projections.Projection) *setup {
	t.Helper()
	g := bus.NewGoChannel(nil)
	reg := prometheus.NewRegistry()
	cfg := config(events, views, g, reg, ps...)
	cfg.Codec = c
	rt, err := runtime.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	s := &setup{events: events, views: views, bus: g, rt: rt, reg: reg}
	ctx, cancel := context.WithCancel(context.Background())
	s.stop = cancel
	if err := rt.Start(ctx); err != nil {
		t.Fatal(err)
	}
	fwd, err := runtime.NewForwarder(events, g, rt.Low, nil)
	if err != nil {
		t.Fatal(err)
	}
	s.stopped.Add(1)
	go func() {
		defer s.stopped.Done()
		if err := fwd.Run(ctx); err != nil {
			t.Errorf("forwarder: %v", err)
		}
	}()
	t.Cleanup(func() {
		cancel()
		_ = g.Close()
		s.stopped.Wait()
		if err := rt.Wait(); err != nil {
			t.Errorf("runtime: %v", err)
		}
	})
	return s
}

func waitFor(t testing.TB, rt *runtime.Runtime, name string, pos eventstore.Position) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := rt.WaitFor(ctx, name, pos); err != nil {
		t.Fatal(err)
	}
}

// documents returns every document of a namespace.
func documents(t testing.TB, views projections.Store, ns projections.Namespace) map[string]string {
	t.Helper()
	docs := map[string]string{}
	if err := views.Scan(context.Background(), ns, "", func(k string, v []byte) error {
		docs[k] = string(v)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return docs
}

// cleanBuild builds p from the whole log into a fresh memory store.
func cleanBuild(t testing.TB, events eventstore.Store, p projections.Projection) map[string]string {
	t.Helper()
	views := memstore.New()
	rt, err := runtime.New(config(events, views, bus.NewGoChannel(nil), prometheus.NewRegistry(), p))
	if err != nil {
		t.Fatal(err)
	}
	if err := rt.Rebuild(context.Background(), p.Name); err != nil {
		t.Fatal(err)
	}
	ns, err := views.Active(context.Background(), p.Name)
	if err != nil {
		t.Fatal(err)
	}
	return documents(t, views, ns)
}

func activeDocuments(t testing.TB, views projections.Store, name string) map[string]string {
	t.Helper()
	ns, err := views.Active(context.Background(), name)
	if err != nil || ns == "" {
		t.Fatalf("no active namespace for %s: %v", name, err)
	}
	return documents(t, views, ns)
}

func sameDocuments(t testing.TB, name string, got, want map[string]string) {
	t.Helper()
	if len(want) == 0 {
		t.Fatalf("%s: the clean build is empty, nothing is compared", name)
	}
	if !reflect.DeepEqual(got, want) {
		n := 0
		for k, v := range want {
			if got[k] != v && n < 5 {
				t.Errorf("%s: %s = %s, clean build has %s", name, k, got[k], v)
				n++
			}
		}
		t.Fatalf("%s: %d documents, clean build has %d", name, len(got), len(want))
	}
}

// metric reads one series of the runtime's metrics.
func metric(t testing.TB, reg *prometheus.Registry, name, projection string) float64 {
	t.Helper()
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "projection" && l.GetValue() == projection {
					if m.GetCounter() != nil {
						return m.GetCounter().GetValue()
					}
					return m.GetGauge().GetValue()
				}
			}
		}
	}
	return 0
}

func newGoChannel() *bus.GoChannel      { return bus.NewGoChannel(nil) }
func newRegistry() *prometheus.Registry { return prometheus.NewRegistry() }

// forward runs a forwarder from the runtime's lowest checkpoint until ctx ends.
func forward(ctx context.Context, t testing.TB, events eventstore.Store, pub runtime.Publisher, rt *runtime.Runtime) {
	fwd, err := runtime.NewForwarder(events, pub, rt.Low, nil)
	if err != nil {
		t.Error(err)
		return
	}
	if err := fwd.Run(ctx); err != nil {
		t.Errorf("forwarder: %v", err)
	}
}
