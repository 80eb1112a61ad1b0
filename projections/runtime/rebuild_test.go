package runtime_test

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/iup-platform/iup/eventstore"
	"github.com/iup-platform/iup/eventstore/sqlite"
	"github.com/iup-platform/iup/projections"
	"github.com/iup-platform/iup/projections/memstore"
	"github.com/iup-platform/iup/projections/runtime"
)

func TestRebuildServesTheOldViewThenSwitchesAndDropsIt(t *testing.T) {
	events := openEvents(t)
	w := newWriter(t, events, 8)
	w.append(100)
	// gated blocks its Apply while the gate is set, to catch the rebuild
	// halfway.
	var gate atomic.Pointer[chan struct{}]
	gated := counter
	gated.Name = "gated"
	gated.Apply = func(tx projections.Tx, ev projections.Event) error {
		if g := gate.Load(); g != nil {
			<-*g
		}
		return counter.Apply(tx, ev)
	}
	s := start(t, events, memstore.New(), gated)
	ctx := context.Background()
	before, err := s.rt.Reader(ctx, "gated")
	if err != nil {
		t.Fatal(err)
	}
	oldDocs := documents(t, s.views, before.Namespace())

	release := make(chan struct{})
	gate.Store(&release)
	done := make(chan error, 1)
	go func() { done <- s.rt.Rebuild(ctx, "gated") }()
	time.Sleep(50 * time.Millisecond)
	during, err := s.rt.Reader(ctx, "gated")
	if err != nil {
		t.Fatal(err)
	}
	if during.Namespace() != before.Namespace() {
		t.Fatal("reads left the old namespace before the rebuild caught up")
	}
	if got := documents(t, s.views, during.Namespace()); len(got) != len(oldDocs) {
		t.Fatal("the old namespace stopped serving during the rebuild")
	}
	gate.Store(nil)
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	after, err := s.rt.Reader(ctx, "gated")
	if err != nil {
		t.Fatal(err)
	}
	if after.Namespace() == before.Namespace() {
		t.Fatal("the rebuild did not switch namespaces")
	}
	if active, _ := s.views.Active(ctx, "gated"); active != after.Namespace() {
		t.Fatalf("active pointer %s, reader %s", active, after.Namespace())
	}
	if left := documents(t, s.views, before.Namespace()); len(left) != 0 {
		t.Fatalf("the old namespace still holds %d documents", len(left))
	}
	// Live updates go on into the new namespace.
	last := w.append(100)
	waitFor(t, s.rt, "gated", last)
	sameDocuments(t, "gated", documents(t, s.views, after.Namespace()), cleanBuild(t, events, counter))
}

func TestAVersionBumpRebuildsOnStart(t *testing.T) {
	events := openEvents(t)
	views := memstore.New()
	w := newWriter(t, events, 9)
	w.append(50)
	first := startByHand(t, events, views, counter)
	v1, err := first.rt.Reader(context.Background(), "counter")
	if err != nil {
		t.Fatal(err)
	}
	w.append(50)
	bumped := counter
	bumped.Version = 2
	second := startByHand(t, events, views, bumped)
	active, _ := views.Active(context.Background(), "counter")
	if !strings.HasPrefix(string(active), "counter.v2.") {
		t.Fatalf("active namespace %s after the bump, want version 2", active)
	}
	if left := documents(t, views, v1.Namespace()); len(left) != 0 {
		t.Fatalf("version 1 still holds %d documents", len(left))
	}
	sameDocuments(t, "counter", activeDocuments(t, views, "counter"), cleanBuild(t, events, counter))
	// The same version again reuses the view: no rebuild.
	third := startByHand(t, events, views, bumped)
	if again, _ := views.Active(context.Background(), "counter"); again != active {
		t.Fatalf("restart at the same version rebuilt: %s -> %s", active, again)
	}
	_ = second
	_ = third
}

func TestLagCountsEventsAndSeconds(t *testing.T) {
	var mu sync.Mutex
	now := time.Date(2026, 11, 2, 8, 0, 0, 0, time.UTC)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	tick := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }
	events := openEvents(t, sqlite.WithClock(clock))
	w := newWriter(t, events, 10)
	w.append(3)
	views := &stallStore{Store: memstore.New(), release: make(chan struct{})}
	h := startByHand(t, events, views, counter)
	waitFor(t, h.rt, "counter", readLog(t, events)[2].Position)
	lag, err := h.rt.Lag(context.Background(), "counter")
	if err != nil || lag != (runtime.Lag{}) {
		t.Fatalf("caught up: lag %+v, %v", lag, err)
	}
	views.stall.Store(true) // the projector falls behind
	for range 5 {
		tick(10 * time.Second)
		w.append(1)
	}
	lag, err = h.rt.Lag(context.Background(), "counter")
	if err != nil {
		t.Fatal(err)
	}
	if lag.Events != 5 || lag.Seconds != 50 {
		t.Fatalf("lag %+v, want 5 events and 50 seconds", lag)
	}
	// The two gauges are set one after the other: wait for both.
	gauges := func() (float64, float64) {
		return metric(t, h.reg, "iup_projection_lag_events", "counter"), metric(t, h.reg, "iup_projection_lag_seconds", "counter")
	}
	deadline := time.Now().Add(5 * time.Second)
	for e, s := gauges(); (e != 5 || s != 50) && time.Now().Before(deadline); e, s = gauges() {
		time.Sleep(10 * time.Millisecond)
	}
	if e, s := gauges(); e != 5 || s != 50 {
		t.Fatalf("gauges: %v events, %v seconds", e, s)
	}
	views.stall.Store(false)
	close(views.release)
	h.send(t, readLog(t, events), 4, 8)
	if lag, _ := h.rt.Lag(context.Background(), "counter"); lag != (runtime.Lag{}) {
		t.Fatalf("lag after catching up: %+v", lag)
	}
}

func TestNewRefusesMissingDependencies(t *testing.T) {
	events := openEvents(t)
	full := func() runtime.Config {
		return config(events, memstore.New(), handBus{}, newRegistry(), counter)
	}
	for name, change := range map[string]func(*runtime.Config){
		"events":      func(c *runtime.Config) { c.Events = nil },
		"codec":       func(c *runtime.Config) { c.Codec = nil },
		"views":       func(c *runtime.Config) { c.Views = nil },
		"bus":         func(c *runtime.Config) { c.Bus = nil },
		"registerer":  func(c *runtime.Config) { c.Registerer = nil },
		"projections": func(c *runtime.Config) { c.Projections = nil },
		"twice":       func(c *runtime.Config) { c.Projections = append(c.Projections, counter) },
		"no apply":    func(c *runtime.Config) { c.Projections = []projections.Projection{{Name: "x"}} },
	} {
		cfg := full()
		change(&cfg)
		if _, err := runtime.New(cfg); err == nil {
			t.Errorf("New without %s succeeded", name)
		}
	}
	if _, err := runtime.New(full()); err != nil {
		t.Fatalf("a full config was refused: %v", err)
	}
	if _, err := runtime.NewForwarder(nil, newGoChannel(), func(context.Context) (ep, error) { return ep{}, nil }, nil); err == nil {
		t.Error("a forwarder without an event store was made")
	}
}

type ep = eventstore.Position

// stallStore holds every Apply while stall is set, until release closes.
type stallStore struct {
	projections.Store
	stall   atomic.Bool
	release chan struct{}
}

func (s *stallStore) Apply(ctx context.Context, ns projections.Namespace, from, to eventstore.Position, changes []projections.Change, fence projections.Fence) error {
	if s.stall.Load() {
		select {
		case <-s.release:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return s.Store.Apply(ctx, ns, from, to, changes, fence)
}

// Past its cap the rebuild's cache gives up and reads the store: same view.
func TestARebuildPastItsCacheCapReadsTheStore(t *testing.T) {
	events := openEvents(t)
	newWriter(t, events, 15).append(300)
	views := memstore.New()
	rebuildRelations(t, events, views, func(cfg *runtime.Config) { cfg.RebuildCacheKeys = 3 })
	sameDocuments(t, "relations", activeDocuments(t, views, "relations"), cleanBuild(t, events, relationsView))
}

// rebuildRelations rebuilds the relations view into views, with set's
// changes to the test configuration.
func rebuildRelations(t *testing.T, events eventstore.Store, views projections.Store, set func(*runtime.Config)) {
	t.Helper()
	cfg := config(events, views, handBus{}, newRegistry(), relationsView)
	set(&cfg)
	rt, err := runtime.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := rt.Rebuild(context.Background(), "relations"); err != nil {
		t.Fatal(err)
	}
}

// Past its byte budget the rebuild's cache lets documents go and reads
// them back from the store when a later event needs them: same view, and
// the store was read (a budget that let nothing go would read nothing).
func TestARebuildPastItsCacheBudgetReadsBackWhatItLetGo(t *testing.T) {
	events := openEvents(t)
	newWriter(t, events, 15).append(300)
	for _, budget := range []int{1, 1 << 30} {
		views := &countingGets{Store: memstore.New()}
		rebuildRelations(t, events, views, func(cfg *runtime.Config) {
			cfg.RebuildCacheBytes, cfg.RebuildBatchSize = budget, 1 // the overlay lets go of documents idle for 64 batches
		})
		sameDocuments(t, "relations", activeDocuments(t, views.Store, "relations"), cleanBuild(t, events, relationsView))
		if got := views.gets.Load(); (budget == 1) != (got > 0) {
			t.Fatalf("budget %d bytes: %d reads of the store", budget, got)
		}
	}
}

// A rebuild's pass reads the log a tenth of a batch at a time until it
// has read a batch, then a batch at a time, and builds the same view.
func TestARebuildReadsSmallPagesFirst(t *testing.T) {
	events := &pageSizes{Store: openEvents(t)}
	newWriter(t, events.Store, 15).append(300)
	views := memstore.New()
	rebuildRelations(t, events, views, func(cfg *runtime.Config) { cfg.RebuildBatchSize = 100 })
	sameDocuments(t, "relations", activeDocuments(t, views, "relations"), cleanBuild(t, events.Store, relationsView))
	want := []int{10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 100, 100}
	if got := events.limits(); len(got) < len(want) || !slices.Equal(got[:len(want)], want) {
		t.Fatalf("the pass read pages of %v, want %v first", got, want)
	}
}

// pageSizes records the page sizes the log is read in.
type pageSizes struct {
	eventstore.Store
	mu   sync.Mutex
	seen []int
}

func (p *pageSizes) ReadAll(ctx context.Context, after eventstore.Position, limit int) ([]eventstore.RecordedEvent, error) {
	p.mu.Lock()
	p.seen = append(p.seen, limit)
	p.mu.Unlock()
	return p.Store.ReadAll(ctx, after, limit)
}

func (p *pageSizes) limits() []int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.seen)
}

// countingGets counts the reads of documents from its store.
type countingGets struct {
	*memstore.Store
	gets atomic.Int64
	keys atomic.Int64
}

func (c *countingGets) Get(ctx context.Context, ns projections.Namespace, keys ...string) ([][]byte, error) {
	c.gets.Add(1)
	c.keys.Add(int64(len(keys)))
	return c.Store.Get(ctx, ns, keys...)
}

// A rebuild raises the collector's target while it runs and puts it back
// after, also when two rebuilds overlap.
func TestRebuildRelaxesTheCollectorAndRestoresIt(t *testing.T) {
	before := debug.SetGCPercent(100)
	defer debug.SetGCPercent(before)
	undoA := runtime.RelaxGC(400)
	if got := debug.SetGCPercent(-2); got != 400 {
		t.Errorf("during a rebuild GOGC = %d, want 400", got)
	}
	debug.SetGCPercent(400)
	undoB := runtime.RelaxGC(400)
	undoA()
	if got := debug.SetGCPercent(400); got != 400 {
		t.Errorf("with one rebuild still running GOGC = %d, want 400", got)
	}
	undoB()
	if got := debug.SetGCPercent(100); got != 100 {
		t.Errorf("after the rebuilds GOGC = %d, want 100 back", got)
	}
	debug.SetGCPercent(800)
	undo := runtime.RelaxGC(400)
	if got := debug.SetGCPercent(800); got != 800 {
		t.Errorf("a higher GOGC was lowered to %d", got)
	}
	undo()
}

// A rebuild's batch larger than RebuildApplyBytes goes to the store in
// several writes, the checkpoint moving with the last: the view is the
// same, and the store took more writes than with no bound to speak of.
func TestARebuildWritesLargeBatchesInParts(t *testing.T) {
	events := openEvents(t)
	newWriter(t, events, 15).append(300)
	var applies [2]int64
	for i, bound := range []int{1 << 30, 1} {
		views := &countingApplies{Store: memstore.New()}
		rebuildRelations(t, events, views, func(cfg *runtime.Config) { cfg.RebuildApplyBytes = bound })
		sameDocuments(t, "relations", activeDocuments(t, views.Store, "relations"), cleanBuild(t, events, relationsView))
		applies[i] = views.applies.Load()
	}
	if applies[1] <= applies[0] {
		t.Fatalf("a bound of one byte took %d writes, no bound %d", applies[1], applies[0])
	}
}

// countingApplies counts the writes to its store.
type countingApplies struct {
	*memstore.Store
	applies atomic.Int64
}

func (c *countingApplies) Apply(ctx context.Context, ns projections.Namespace, from, to eventstore.Position, changes []projections.Change, fence projections.Fence) error {
	c.applies.Add(1)
	return c.Store.Apply(ctx, ns, from, to, changes, fence)
}

// A rebuild writes its batches behind its fold, but before it reads back a
// document its cache let go it waits for the writes in flight: no read of
// the fresh namespace overlaps a write to it, and the view is the same.
// Slow writes and a cache that keeps nothing make a read that does not
// wait meet a write in flight.
func TestARebuildReadsBackOnlyWhatItsWritesLanded(t *testing.T) {
	events := openEvents(t)
	newWriter(t, events, 15).append(300)
	views := &overlapWatch{Store: memstore.New()}
	rebuildRelations(t, events, views, func(cfg *runtime.Config) {
		cfg.RebuildCacheBytes, cfg.RebuildBatchSize = 1, 1
	})
	sameDocuments(t, "relations", activeDocuments(t, views.Store, "relations"), cleanBuild(t, events, relationsView))
	if views.reads.Load() == 0 {
		t.Fatal("the rebuild read nothing back: the test shows nothing")
	}
	if n := views.overlaps.Load(); n > 0 {
		t.Fatalf("%d reads of the fresh namespace met a write in flight", n)
	}
}

// overlapWatch counts the reads that happen while a write is in flight;
// each write takes a while.
type overlapWatch struct {
	*memstore.Store
	writing  atomic.Int32
	reads    atomic.Int64
	overlaps atomic.Int64
}

func (o *overlapWatch) Apply(ctx context.Context, ns projections.Namespace, from, to eventstore.Position, changes []projections.Change, fence projections.Fence) error {
	o.writing.Add(1)
	defer o.writing.Add(-1)
	time.Sleep(200 * time.Microsecond)
	return o.Store.Apply(ctx, ns, from, to, changes, fence)
}

func (o *overlapWatch) Get(ctx context.Context, ns projections.Namespace, keys ...string) ([][]byte, error) {
	o.reads.Add(1)
	if o.writing.Load() > 0 {
		o.overlaps.Add(1)
	}
	return o.Store.Get(ctx, ns, keys...)
}

// A write of a rebuild that fails (past its retries) fails the rebuild,
// though the write was behind the fold; the old view keeps serving,
// unchanged.
func TestARebuildWhoseWriteFailsLeavesTheOldViewServing(t *testing.T) {
	events := openEvents(t)
	newWriter(t, events, 15).append(300)
	views := &failingWrites{Store: memstore.New()}
	rebuildRelations(t, events, views, func(cfg *runtime.Config) {})
	before, err := views.Active(context.Background(), "relations")
	if err != nil {
		t.Fatal(err)
	}
	want := documents(t, views.Store, before)
	views.after.Store(5)
	cfg := config(events, views, handBus{}, newRegistry(), relationsView)
	cfg.RebuildBatchSize = 10
	rt, err := runtime.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	err = rt.Rebuild(context.Background(), "relations")
	if !errors.Is(err, errDiskFull) {
		t.Fatalf("rebuild with a failing write: %v, want the write's error", err)
	}
	if views.failed.Load() == 0 {
		t.Fatal("no write failed: the test shows nothing")
	}
	after, err := views.Active(context.Background(), "relations")
	if err != nil || after != before {
		t.Fatalf("active namespace %q (%v), want %q still", after, err, before)
	}
	sameDocuments(t, "relations", documents(t, views.Store, after), want)
}

var errDiskFull = errors.New("no space left on device")

// failingWrites fails every write after its first after ones (when after
// is set).
type failingWrites struct {
	*memstore.Store
	after   atomic.Int64
	applies atomic.Int64
	failed  atomic.Int64
}

func (f *failingWrites) Apply(ctx context.Context, ns projections.Namespace, from, to eventstore.Position, changes []projections.Change, fence projections.Fence) error {
	if n := f.after.Load(); n > 0 && f.applies.Add(1) > n {
		f.failed.Add(1)
		return errDiskFull
	}
	return f.Store.Apply(ctx, ns, from, to, changes, fence)
}

// When its pass ends a rebuild logs where each build's time went, so an
// operator can tell which view bounds it: one line per build, with the
// events it folded (the whole log) and times that add up to no more than
// the rebuild took.
func TestARebuildLogsWhereItsPassWent(t *testing.T) {
	events := openEvents(t)
	newWriter(t, events, 15).append(300)
	var logged strings.Builder
	began := time.Now()
	rebuildRelations(t, events, memstore.New(), func(cfg *runtime.Config) {
		cfg.Logger = slog.New(slog.NewJSONHandler(&logged, nil))
		cfg.RebuildBatchSize = 16
	})
	took := time.Since(began).Seconds()
	var lines []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(logged.String()), "\n") {
		var line map[string]any
		if err := json.Unmarshal([]byte(l), &line); err != nil {
			t.Fatalf("log line %q: %v", l, err)
		}
		if line["msg"] == "rebuild pass done" {
			lines = append(lines, line)
		}
	}
	if len(lines) != 1 || lines[0]["projection"] != "relations" {
		t.Fatalf("pass lines: %v, want one for relations", lines)
	}
	log, err := events.ReadAll(context.Background(), eventstore.Start, 100000)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := int(lines[0]["events"].(float64)), len(log); got != want {
		t.Errorf("events folded: %d, want the log's %d", got, want)
	}
	sum := 0.0
	for _, k := range []string{"fold_s", "log_wait_s", "render_s", "write_wait_s"} {
		v, err := strconv.ParseFloat(lines[0][k].(string), 64)
		if err != nil || v < 0 {
			t.Fatalf("%s = %v: want a duration in seconds", k, lines[0][k])
		}
		sum += v
	}
	if sum > took+0.1 { // each is rounded to a tenth
		t.Errorf("the pass's parts add up to %.1f s, the rebuild took %.1f s", sum, took)
	}
}
