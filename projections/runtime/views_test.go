package runtime_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/iup-platform/iup/projections"
	"github.com/iup-platform/iup/projections/memstore"
	"github.com/iup-platform/iup/projections/runtime"
	"github.com/iup-platform/iup/projections/views"
	"github.com/iup-platform/iup/projections/views/sample"
)

// smallSample is a school of nine classes of two students: every kind of
// content event of a school year, small enough for -race.
var smallSample = sample.Config{Schools: 1, ClassesPerGrade: 1, StudentsPerClass: 2, Seed: 5}

// buildAll rebuilds every view from log in one pass into a fresh memory
// store, committing batch events at a time, and returns each view's
// documents.
func buildAll(t testing.TB, log *sampleLog, batch int) map[string]map[string]string {
	t.Helper()
	return buildAllIn(t, log, batch, memstore.New(), func(*runtime.Config) {})
}

// buildAllIn is buildAll into store, with set's changes to the configuration.
func buildAllIn(t testing.TB, log *sampleLog, batch int, store projections.Store, set func(*runtime.Config)) map[string]map[string]string {
	t.Helper()
	cfg := config(log.events, store, handBus{}, newRegistry(), views.All()...)
	cfg.Codec, cfg.BatchSize, cfg.RebuildBatchSize = log.codec, batch, batch
	set(&cfg)
	rt, err := runtime.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := rt.RebuildAll(context.Background()); err != nil {
		t.Fatal(err)
	}
	out := map[string]map[string]string{}
	for _, p := range views.All() {
		out[p.Name] = activeDocuments(t, store, p.Name)
		if parked, _ := rt.Parked(p.Name); len(parked) > 0 {
			t.Fatalf("%s parked %d events, first %+v", p.Name, len(parked), parked[0])
		}
	}
	return out
}

// The stored bytes of a rebuild are a function of the events alone: how
// they were cut into batches (so when deferred renders ran, which documents
// stayed decoded) changes nothing.
func TestEveryViewIsTheSameWhateverTheBatchSize(t *testing.T) {
	log := openSample(t, smallSample)
	log.mustWrite(t, -1)
	want := buildAll(t, log, 500)
	for _, batch := range []int{1, 7} {
		got := buildAll(t, log, batch)
		for _, p := range views.All() {
			sameDocuments(t, fmt.Sprintf("%s (batches of %d)", p.Name, batch), got[p.Name], want[p.Name])
		}
	}
	t.Logf("%d events, %d views", log.n, len(want))
}

// A rebuild whose cache lets every document go reads back what its held
// renders need, several keys a call (the overlay probes a lot of renders,
// then reads what they missed together), and writes the same bytes.
func TestARebuildThatReadsItsFactsBackWritesTheSame(t *testing.T) {
	log := openSample(t, smallSample)
	log.mustWrite(t, -1)
	want := buildAll(t, log, 500)
	store := &countingGets{Store: memstore.New()}
	got := buildAllIn(t, log, 5, store, func(cfg *runtime.Config) { cfg.RebuildCacheBytes = 1 }) // the overlay lets go of documents idle for 64 batches
	for _, p := range views.All() {
		sameDocuments(t, p.Name+" (cache of 1 byte)", got[p.Name], want[p.Name])
	}
	calls, keys := store.gets.Load(), store.keys.Load()
	if calls == 0 || keys < 4*calls {
		t.Fatalf("%d reads of the store for %d keys; want several keys a read", calls, keys)
	}
	t.Logf("%d reads of the store for %d keys", calls, keys)
}

// A rebuild of every view together equals each view rebuilt alone.
func TestRebuildingAllTogetherEqualsOneByOne(t *testing.T) {
	log := openSample(t, smallSample)
	log.mustWrite(t, -1)
	together := buildAll(t, log, 64)
	for _, p := range views.All() {
		store := memstore.New()
		cfg := config(log.events, store, handBus{}, newRegistry(), p)
		cfg.Codec = log.codec
		rt, err := runtime.New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		if err := rt.Rebuild(context.Background(), p.Name); err != nil {
			t.Fatal(err)
		}
		sameDocuments(t, p.Name, activeDocuments(t, store, p.Name), together[p.Name])
	}
}
