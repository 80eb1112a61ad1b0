package handlers

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/iup-platform/iup/domain"
	"github.com/iup-platform/iup/eventstore"
	"github.com/iup-platform/iup/eventstore/shred"
	"github.com/iup-platform/iup/eventstore/shred/shredtest"
	"github.com/iup-platform/iup/eventstore/sqlite"
	"github.com/iup-platform/iup/handlers/auth"
)

// stuckSink never finishes an append until released: the writer cannot
// keep up.
type stuckSink struct {
	MemoryAccessSink
	release chan struct{}
}

func (s *stuckSink) Append(ctx context.Context, es []AccessEntry) error {
	<-s.release
	return s.MemoryAccessSink.Append(ctx, es)
}

// A full queue holds a read back for at most the wait, then fails it with
// a 503 (never served unlogged, never blocked for long); once the writer
// catches up reads are logged again, and nothing queued was lost.
func TestAccessLogFullQueueFailsTheReadBriefly(t *testing.T) {
	sink := &stuckSink{release: make(chan struct{})}
	log := NewAccessLog(sink, slog.New(slog.DiscardHandler), AccessLogOptions{Batch: 1, Buffer: 2, Wait: 50 * time.Millisecond})
	e := func(i int) AccessEntry {
		return AccessEntry{Tenant: "k1", StudentID: "s1", ActorID: fmt.Sprint("g", i), What: "home"}
	}
	// One entry is held by the stuck writer, two fill the queue.
	queued := 0
	for i := 0; queued < 3 && i < 10; i++ {
		if err := log.Record(e(i)); err != nil {
			t.Fatalf("entry %d refused before the queue was full: %v", i, err)
		}
		queued++
		time.Sleep(5 * time.Millisecond) // let the writer take the first
	}

	// A mentor overview logs several students: the whole read waits once.
	a := &API{reads: &reads{access: log}}
	r := httptest.NewRequest(http.MethodGet, "/v1/mentors/m1/terms/sy25:HT/overview", nil)
	r = r.WithContext(auth.WithPrincipal(r.Context(), auth.Principal{Tenant: "k1", Subject: "m1", Role: domain.RoleMentor}))
	q := &query{r: r, a: a, Now: time.Now()}
	start := time.Now()
	for _, s := range []string{"s1", "s2", "s3", "s4"} {
		a.logRead(q, "mentor-overview", "m1/sy25:HT", s)
	}
	waited := time.Since(start)
	if !errors.Is(q.logErr, ErrAccessLogFull) {
		t.Fatalf("a read whose entry found the queue full: %v, want ErrAccessLogFull", q.logErr)
	}
	if waited < 40*time.Millisecond || waited > 2*time.Second {
		t.Fatalf("the read waited %v for room, want about the 50ms wait once", waited)
	}
	p, _ := problemFor(context.Background(), q.logErr)
	if p.Status != http.StatusServiceUnavailable {
		t.Fatalf("a full access log answers %d, want 503", p.Status)
	}

	// The writer catches up: reads are logged again, and every entry
	// accepted earlier is written.
	close(sink.release)
	if err := log.Record(e(99)); err != nil {
		t.Fatalf("after the writer caught up: %v", err)
	}
	if err := log.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	got, _ := sink.Read(context.Background(), "k1", "s1", 100)
	if len(got) != queued+1 {
		t.Fatalf("%d entries written, want the %d accepted", len(got), queued+1)
	}
	if err := log.Close(); err != nil {
		t.Fatal(err)
	}
}

// countingStreams records how many appends are in flight at once.
type countingStreams struct {
	AccessStreams
	inflight, peak atomic.Int32
}

func (c *countingStreams) Append(ctx context.Context, stream string, exp eventstore.ExpectedRevision, evs ...eventstore.EventData) (eventstore.AppendResult, error) {
	n := c.inflight.Add(1)
	defer c.inflight.Add(-1)
	for {
		p := c.peak.Load()
		if n <= p || c.peak.CompareAndSwap(p, n) {
			break
		}
	}
	time.Sleep(2 * time.Millisecond) // an fsync's worth
	return c.AccessStreams.Append(ctx, stream, exp, evs...)
}

// A batch naming many students is written in a few transactions, not one
// per student: the students' appends go to the store together and its group
// commit takes them in one fsync (this was the cap on reads under load).
func TestAccessLogBatchIsGroupCommitted(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	store, err := sqlite.Open(filepath.Join(dir, "access-log.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = store.Close() })
	keys, ks := shredtest.Open(t, dir)
	t.Cleanup(func() { _ = ks.Close() })
	counting := &countingStreams{AccessStreams: store}
	sink, err := NewEventAccessSink(counting, shred.NewCodec(AccessEvents, keys), nil)
	if err != nil {
		t.Fatal(err)
	}
	const students = 64
	batch := func(actor string) []AccessEntry {
		var es []AccessEntry
		for i := range students {
			es = append(es, AccessEntry{Tenant: "k1", StudentID: fmt.Sprint("s", i), ActorID: actor, Role: domain.RoleMentor, What: "mentor-overview"})
		}
		return es
	}
	if err := sink.Append(ctx, batch("m1")); err != nil { // creates the students' keys
		t.Fatal(err)
	}
	before := store.Stats().Commits
	if err := sink.Append(ctx, batch("m2")); err != nil {
		t.Fatal(err)
	}
	commits := store.Stats().Commits - before
	if commits*4 > students {
		t.Fatalf("a batch of %d students took %d commits, want at most a quarter (group commit)", students, commits)
	}
	if counting.peak.Load() < 8 {
		t.Fatalf("at most %d appends in flight at once: the batch is written one student after another", counting.peak.Load())
	}
	var wg sync.WaitGroup
	for i := range students {
		wg.Go(func() {
			got, err := sink.Read(ctx, "k1", fmt.Sprint("s", i), 10)
			if err != nil || len(got) != 2 || got[0].ActorID != "m2" || got[1].ActorID != "m1" {
				t.Errorf("student s%d's log: %v %v", i, actors(got), err)
			}
		})
	}
	wg.Wait()
}
