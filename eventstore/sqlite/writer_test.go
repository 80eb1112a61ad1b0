package sqlite

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/iup-platform/iup/eventstore"
)

func request(ctx context.Context, stream string, exp eventstore.ExpectedRevision, evs ...eventstore.EventData) *appendRequest {
	return &appendRequest{ctx: ctx, stream: stream, expected: exp, events: evs, reply: make(chan appendReply, 1)}
}

// One transaction, seven requests: each is checked against the stream as the
// requests before it left it, and a failing one fails alone.
func TestGroupCommitAnswersEachRequestAlone(t *testing.T) {
	s, _ := openTest(t)
	ctx := context.Background()
	stored := event(`{"stored":true}`)
	if _, err := s.Append(ctx, "b", eventstore.NoStream(), stored); err != nil {
		t.Fatal(err)
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	e1, e2, e3, e4, e5, e6 := event(`{"e":1}`), event(`{"e":2}`), event(`{"e":3}`), event(`{"e":4}`), event(`{"e":5}`), event(`{"e":6}`)
	batch := []*appendRequest{
		request(ctx, "a", eventstore.NoStream(), e1),    // 0: creates a
		request(ctx, "a", eventstore.NoStream(), e2),    // 1: a exists now: conflict
		request(ctx, "a", eventstore.Exact(0), e3),      // 2: ok
		request(ctx, "c", eventstore.Any(), e4, stored), // 3: second id stored elsewhere
		request(cancelled, "d", eventstore.Any(), e5),   // 4: cancelled before its turn
		request(ctx, "a", eventstore.Exact(0), e3),      // 5: retry of 2 in the same transaction
		request(ctx, "a", eventstore.Exact(1), e6),      // 6: ok
	}
	before := s.Stats()
	if err := s.onWriter(ctx, func(w *writer) error { w.commit(batch); return nil }); err != nil {
		t.Fatal(err)
	}
	r := make([]appendReply, len(batch))
	for i, req := range batch {
		r[i] = <-req.reply
	}
	if r[0].err != nil || r[0].res.Revision != 0 {
		t.Fatalf("request 0: %+v", r[0])
	}
	if c, ok := eventstore.AsConflict(r[1].err); !ok || !c.Exists || c.Actual != 0 {
		t.Fatalf("request 1: %v, want a conflict at revision 0", r[1].err)
	}
	if r[2].err != nil || r[2].res.Revision != 1 {
		t.Fatalf("request 2: %+v", r[2])
	}
	if !errors.Is(r[3].err, eventstore.ErrIDReused) {
		t.Fatalf("request 3: %v, want ErrIDReused", r[3].err)
	}
	if !errors.Is(r[4].err, context.Canceled) {
		t.Fatalf("request 4: %v, want context.Canceled", r[4].err)
	}
	if r[5] != r[2] {
		t.Fatalf("retry in the same batch = %+v, want %+v", r[5], r[2])
	}
	if r[6].err != nil || r[6].res.Revision != 2 || !r[2].res.Position.Before(r[6].res.Position) {
		t.Fatalf("request 6: %+v", r[6])
	}
	after := s.Stats()
	if after.Commits-before.Commits != 1 || after.Appends-before.Appends != 3 || after.Events-before.Events != 3 {
		t.Fatalf("stats went from %+v to %+v, want one commit of three appends", before, after)
	}
	got, err := s.ReadStream(ctx, "a", eventstore.ReadStreamOptions{})
	if err != nil || len(got) != 3 || got[0].ID != e1.ID || got[1].ID != e3.ID || got[2].ID != e6.ID {
		t.Fatalf("stream a = %v (%v), want e1, e3, e6", got, err)
	}
	for _, stream := range []string{"c", "d"} {
		if _, err := s.ReadStream(ctx, stream, eventstore.ReadStreamOptions{}); !errors.Is(err, eventstore.ErrStreamNotFound) {
			t.Fatalf("stream %s: %v, want not found", stream, err)
		}
	}
}

func TestConcurrentAppendsShareCommits(t *testing.T) {
	s, _ := openTest(t)
	const writers, each = 64, 10
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			stream := "plan-" + string(rune('A'+w))
			for i := range each {
				exp := eventstore.Exact(uint64(i - 1))
				if i == 0 {
					exp = eventstore.NoStream()
				}
				if _, err := s.Append(context.Background(), stream, exp, event(`{"i":1}`)); err != nil {
					t.Errorf("%s append %d: %v", stream, i, err)
					return
				}
			}
		})
	}
	wg.Wait()
	st := s.Stats()
	if st.Appends != writers*each || st.Events != writers*each {
		t.Fatalf("stats %+v, want %d appends and events", st, writers*each)
	}
	if st.Commits >= st.Appends {
		t.Fatalf("%d commits for %d concurrent appends: no group commit", st.Commits, st.Appends)
	}
	t.Logf("%d appends in %d commits (%.1f events per fsync)", st.Appends, st.Commits, float64(st.Events)/float64(st.Commits))
}

func TestDiskFullIsUnavailableAndLeavesTheStoreReadable(t *testing.T) {
	s, _ := openTest(t, withPragma("max_page_count(64)")) // 256 KiB: a tiny disk
	ctx := context.Background()
	big := `{"comment":"` + strings.Repeat("å", 20000) + `"}`
	var acked []eventstore.AppendResult
	var err error
	for range 50 {
		var res eventstore.AppendResult
		if res, err = s.Append(ctx, "full", eventstore.Any(), event(big)); err != nil {
			break
		}
		acked = append(acked, res)
	}
	if !errors.Is(err, eventstore.ErrUnavailable) {
		t.Fatalf("append to a full disk: %v, want ErrUnavailable", err)
	}
	if len(acked) == 0 {
		t.Fatal("nothing fitted before the disk was full")
	}
	if err := s.Ping(ctx); err != nil {
		t.Fatalf("ping after disk full: %v", err)
	}
	got, err := s.ReadStream(ctx, "full", eventstore.ReadStreamOptions{})
	if err != nil || len(got) != len(acked) || got[len(got)-1].Position != acked[len(acked)-1].Position {
		t.Fatalf("after disk full read %d events (%v), want the %d acknowledged", len(got), err, len(acked))
	}
	// The writer is not stuck in the failed transaction: it can still take
	// the write lock.
	if err := s.Writable(ctx); err != nil {
		t.Fatalf("writable after disk full: %v", err)
	}
}

// The writer caches stream revisions; a second writer on the same file (a
// second process, here a second Store) must not make it accept a stale
// expectation.
func TestAnotherWriterOnTheFileInvalidatesCachedRevisions(t *testing.T) {
	s1, path := openTest(t)
	s2, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = s2.Close() }()
	ctx := context.Background()
	if _, err := s1.Append(ctx, "x", eventstore.NoStream(), event(`{"by":1}`)); err != nil {
		t.Fatal(err)
	}
	if _, err := s2.Append(ctx, "x", eventstore.Exact(0), event(`{"by":2}`)); err != nil {
		t.Fatal(err)
	}
	_, err = s1.Append(ctx, "x", eventstore.Exact(0), event(`{"by":1}`))
	if c, ok := eventstore.AsConflict(err); !ok || c.Actual != 1 {
		t.Fatalf("stale expectation: %v, want a conflict at revision 1", err)
	}
}
