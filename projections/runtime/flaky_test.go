package runtime_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/iup-platform/iup/eventstore"
	"github.com/iup-platform/iup/projections"
	"github.com/iup-platform/iup/projections/memstore"
	"github.com/iup-platform/iup/projections/runtime"
	"github.com/iup-platform/iup/projections/views"
)

// flakyStore fails every getEvery-th Get and every applyEvery-th Apply, as
// a Redis connection does now and then: half the failed applies fail
// before writing, half after (the write landed, the reply was lost).
type flakyStore struct {
	projections.Store
	getEvery, applyEvery int64
	down                 atomic.Bool // an outage: every Get and Apply fails
	gets, applies        atomic.Int64
	failedGets           atomic.Int64
	failedApplies        atomic.Int64
	lostReplies          atomic.Int64
}

var errFlaky = errors.New("flaky store: connection reset")

func (f *flakyStore) Get(ctx context.Context, ns projections.Namespace, keys ...string) ([][]byte, error) {
	if f.gets.Add(1)%f.getEvery == 0 || f.down.Load() {
		f.failedGets.Add(1)
		return nil, errFlaky
	}
	return f.Store.Get(ctx, ns, keys...)
}

func (f *flakyStore) Apply(ctx context.Context, ns projections.Namespace, from, to eventstore.Position, changes []projections.Change, fence projections.Fence) error {
	n := f.applies.Add(1)
	if f.down.Load() {
		f.failedApplies.Add(1)
		return errFlaky
	}
	if n%f.applyEvery != 0 {
		return f.Store.Apply(ctx, ns, from, to, changes, fence)
	}
	if n/f.applyEvery%2 == 0 {
		f.failedApplies.Add(1)
		return errFlaky
	}
	if err := f.Store.Apply(ctx, ns, from, to, changes, fence); err != nil {
		return err
	}
	f.lostReplies.Add(1)
	return errFlaky
}

// The views converge when the store's reads and writes fail now and then,
// on top of the bus's redeliveries and the kills: a failed read rolls an
// event back and it is applied again, a failed write fails its batch,
// and a write whose reply was lost is found applied by its checkpoint.
// Nothing is parked, and every view ends byte-equal to one clean build.
func TestEveryViewConvergesThroughStoreFailures(t *testing.T) {
	log := openSample(t, smallSample)
	log.mustWrite(t, len(log.history)/3)
	flaky := &flakyStore{Store: memstore.New(), getEvery: 29, applyEvery: 11}
	got := chaos{events: log.events, codec: log.codec, views: flaky, ps: views.All(), rounds: convergenceRounds(4),
		hold:       20 * time.Millisecond,
		appendSome: func() error { _, err := log.write(1); return err },
		appendLast: func() eventstore.Position { return log.mustWrite(t, -1) },
	}.run(t, 41)
	if flaky.failedGets.Load() == 0 || flaky.failedApplies.Load() == 0 || flaky.lostReplies.Load() == 0 {
		t.Fatalf("failed gets %d, applies %d, lost replies %d: the test proved nothing",
			flaky.failedGets.Load(), flaky.failedApplies.Load(), flaky.lostReplies.Load())
	}
	t.Logf("failed gets %d, failed applies %d, lost replies %d", flaky.failedGets.Load(), flaky.failedApplies.Load(), flaky.lostReplies.Load())
	want := buildAll(t, log, 500)
	for _, p := range views.All() {
		sameDocuments(t, p.Name, got[p.Name], want[p.Name])
	}
}

// An outage of the views' store, at a start's catch-up and again while
// events arrive live, holds the views back and loses nothing: the
// catch-up and the live batches are tried again until the store answers,
// no event is parked for the store's trouble, and every view ends
// byte-equal to one clean build.
func TestAStoreOutageHoldsTheViewsBackAndLosesNothing(t *testing.T) {
	log := openSample(t, smallSample)
	log.mustWrite(t, len(log.history)/3)
	flaky := &flakyStore{Store: memstore.New(), getEvery: 1 << 62, applyEvery: 1 << 62}
	first := startWith(t, log.events, log.codec, flaky, views.All()...)
	<-first.rt.Ready()
	first.stop()
	first.stopped.Wait()
	if err := first.rt.Wait(); err != nil {
		t.Fatal(err)
	}

	outage := func(d time.Duration) {
		flaky.down.Store(true)
		time.AfterFunc(d, func() { flaky.down.Store(false) })
	}
	// At start: the catch-up meets the outage.
	last := log.mustWrite(t, len(log.history)/3)
	outage(300 * time.Millisecond)
	s := startWith(t, log.events, log.codec, flaky, views.All()...)
	for _, p := range views.All() {
		waitFor(t, s.rt, p.Name, last)
	}
	atStart := flaky.failedGets.Load() + flaky.failedApplies.Load()
	// Live: the rest of the year arrives during an outage.
	outage(300 * time.Millisecond)
	last = log.mustWrite(t, -1)
	for _, p := range views.All() {
		waitFor(t, s.rt, p.Name, last)
	}
	live := flaky.failedGets.Load() + flaky.failedApplies.Load() - atStart
	if atStart == 0 || live == 0 || flaky.failedGets.Load() == 0 {
		t.Fatalf("failed calls at start %d, live %d (gets %d): the test proved nothing", atStart, live, flaky.failedGets.Load())
	}
	t.Logf("failed calls at start %d, live %d (gets %d)", atStart, live, flaky.failedGets.Load())
	failed := 0.0
	for _, p := range views.All() {
		failed += metric(t, s.reg, "iup_projection_failed_batches_total", p.Name)
	}
	if failed == 0 {
		t.Error("no failed batch counted: an operator would not see the outage")
	}
	want := buildAll(t, log, 500)
	for _, p := range views.All() {
		if parked, _ := s.rt.Parked(p.Name); len(parked) != 0 {
			t.Errorf("%s parked %d events for the store's outage", p.Name, len(parked))
		}
		sameDocuments(t, p.Name, activeDocuments(t, flaky, p.Name), want[p.Name])
	}
}

// flakyLog fails every every-th ReadAll of the event store, as KurrentDB
// over a network may.
type flakyLog struct {
	eventstore.Store
	every, reads, failed int64
}

func (f *flakyLog) ReadAll(ctx context.Context, after eventstore.Position, limit int) ([]eventstore.RecordedEvent, error) {
	if f.reads++; f.reads%f.every == 0 {
		f.failed++
		return nil, errFlaky
	}
	return f.Store.ReadAll(ctx, after, limit)
}

// A rebuild whose reads of the log fail now and then reads the page again
// and builds the same views as one that read without a failure.
func TestARebuildReadsAFailedPageOfTheLogAgain(t *testing.T) {
	log := openSample(t, smallSample)
	log.mustWrite(t, -1)
	flaky := &flakyLog{Store: log.events, every: 3}
	got := buildAllIn(t, log, 100, memstore.New(), func(c *runtime.Config) { c.Events = flaky })
	if flaky.failed == 0 {
		t.Fatal("no read of the log failed: the test proved nothing")
	}
	want := buildAll(t, log, 100)
	for _, p := range views.All() {
		sameDocuments(t, p.Name, got[p.Name], want[p.Name])
	}
}
