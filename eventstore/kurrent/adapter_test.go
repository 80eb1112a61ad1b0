package kurrent

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc/codes"

	"github.com/iup-platform/iup/eventstore"
	"github.com/iup-platform/iup/eventstore/kurrent/kurrenttest"
)

func ctxT(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return c
}

func ev(data string) eventstore.EventData {
	return eventstore.EventData{ID: eventstore.NewEventID(), Type: "test.happened", SchemaVersion: 1,
		Data: []byte(data), Metadata: eventstore.Metadata{Tenant: "t"}}
}

func mustAppend(t *testing.T, s *Store, stream string, exp eventstore.ExpectedRevision, evs ...eventstore.EventData) eventstore.AppendResult {
	t.Helper()
	res, err := s.Append(ctxT(t), stream, exp, evs...)
	if err != nil {
		t.Fatalf("append to %s (%s): %v", stream, exp, err)
	}
	return res
}

func readAll(t *testing.T, s *Store) []eventstore.RecordedEvent {
	t.Helper()
	var out []eventstore.RecordedEvent
	after := eventstore.Start
	for {
		page, err := s.ReadAll(ctxT(t), after, 7)
		if err != nil {
			t.Fatalf("read all: %v", err)
		}
		if len(page) == 0 {
			return out
		}
		out = append(out, page...)
		after = page[len(page)-1].Position
	}
}

// collect subscribes and gathers events until n have come.
func collect(t *testing.T, s *Store, after eventstore.Position) (wait func(n int) []eventstore.RecordedEvent) {
	c, cancel := context.WithCancel(ctxT(t))
	var mu sync.Mutex
	var got []eventstore.RecordedEvent
	var failed error
	done := make(chan struct{})
	go func() {
		defer close(done)
		for e, err := range s.Subscribe(c, after) {
			mu.Lock()
			if err != nil {
				failed = err
				mu.Unlock()
				return
			}
			got = append(got, e)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() { cancel(); <-done })
	return func(n int) []eventstore.RecordedEvent {
		t.Helper()
		deadline := time.Now().Add(20 * time.Second)
		for {
			mu.Lock()
			out, err := append([]eventstore.RecordedEvent(nil), got...), failed
			mu.Unlock()
			if err != nil && !errors.Is(err, context.Canceled) {
				t.Fatalf("subscription failed after %d events: %v", len(out), err)
			}
			if len(out) >= n {
				time.Sleep(20 * time.Millisecond) // a duplicate would show up now
				mu.Lock()
				out = append([]eventstore.RecordedEvent(nil), got...)
				mu.Unlock()
				return out
			}
			if time.Now().After(deadline) {
				t.Fatalf("subscription delivered %d of %d events", len(out), n)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
}

func sameEvents(t *testing.T, got, want []eventstore.RecordedEvent) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d events, want %d", len(got), len(want))
	}
	for i := range want {
		if got[i].ID != want[i].ID || got[i].Position != want[i].Position {
			t.Fatalf("event %d is %s at %v, want %s at %v (gap, duplicate or reordering)", i, got[i].ID, got[i].Position, want[i].ID, want[i].Position)
		}
	}
}

func TestSubscriptionResumesAfterDropsWithoutGapOrDuplicate(t *testing.T) {
	srv := kurrenttest.New(t)
	s := open(t, srv.URL())
	for i := range 60 {
		mustAppend(t, s, fmt.Sprintf("drop-%d", i%3), eventstore.Any(), ev(fmt.Sprintf(`{"n":%d}`, i)))
		if i%10 == 0 {
			srv.AppendSystemEvent("$stats-127.0.0.1:2113", "$statsCollected")
		}
	}
	want := readAll(t, s)
	srv.DropSubscriptionsEvery(7) // mid-catch-up, again and again
	wait := collect(t, s, eventstore.Start)
	sameEvents(t, wait(len(want)), want)
	if n := srv.Subscriptions(); n < len(want)/7 {
		t.Fatalf("the server saw %d subscriptions, want at least %d: the drops did not happen", n, len(want)/7)
	}

	// Dropped while live, just after the caught-up checkpoint, whose
	// position is the end of the log: resuming from it would skip the next event.
	srv.DropSubscriptionsEvery(0)
	before := srv.Subscriptions()
	srv.DropSubscriptions()
	for i := range 5 {
		mustAppend(t, s, "drop-live", eventstore.Any(), ev(fmt.Sprintf(`{"live":%d}`, i)))
	}
	want = readAll(t, s)
	sameEvents(t, wait(len(want)), want)
	if srv.Subscriptions() <= before {
		t.Fatal("the live subscription was not dropped and renewed")
	}
}

func TestNotLeaderIsRetriedOnTheLeader(t *testing.T) {
	leader := kurrenttest.New(t)
	follower, err := kurrenttest.StartFollower(leader)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(follower.Close)
	s := open(t, follower.URL())
	res := mustAppend(t, s, "leader-test", eventstore.NoStream(), ev(`{"a":1}`))
	mustAppend(t, s, "leader-test", eventstore.Exact(res.Revision), ev(`{"a":2}`))
	if follower.NotLeaderAnswers() == 0 {
		t.Fatal("the follower never answered not-leader: the test did not exercise the redirect")
	}
	if got, err := s.ReadStream(ctxT(t), "leader-test", eventstore.ReadStreamOptions{}); err != nil || len(got) != 2 {
		t.Fatalf("read %d events, %v; want 2", len(got), err)
	}
}

func TestLostAppendAnswerIsResentAndWrittenOnce(t *testing.T) {
	for _, tc := range []struct {
		name     string
		existing int
		expected eventstore.ExpectedRevision
	}{
		{"no stream", 0, eventstore.NoStream()},
		{"exact", 2, eventstore.Exact(1)},
		{"any", 2, eventstore.Any()},
		{"stream exists", 1, eventstore.StreamExists()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := kurrenttest.New(t)
			s := open(t, srv.URL())
			stream := "lost-" + strings.ReplaceAll(tc.name, " ", "-")
			for i := range tc.existing {
				mustAppend(t, s, stream, eventstore.Any(), ev(fmt.Sprintf(`{"seed":%d}`, i)))
			}
			srv.FailAppends(2, codes.Unavailable, true) // written twice? only once, and both answers lost
			res := mustAppend(t, s, stream, tc.expected, ev(`{"x":1}`), ev(`{"x":2}`))
			got, err := s.ReadStream(ctxT(t), stream, eventstore.ReadStreamOptions{})
			if err != nil || len(got) != tc.existing+2 {
				t.Fatalf("stream has %d events (%v), want %d: a resent append was written twice", len(got), err, tc.existing+2)
			}
			last := got[len(got)-1]
			if res.Revision != last.Revision || res.Position != last.Position {
				t.Fatalf("result %+v, want the last event's revision %d and position %v", res, last.Revision, last.Position)
			}
		})
	}
}

func TestTransientFailuresAreRetriedThenUnavailable(t *testing.T) {
	srv := kurrenttest.New(t)
	s := open(t, srv.URL(), WithRetry(3, time.Millisecond, 5*time.Millisecond))
	srv.FailAppends(1, codes.DeadlineExceeded, false)
	mustAppend(t, s, "transient", eventstore.NoStream(), ev(`{"a":1}`))

	srv.FailAppends(3, codes.Unavailable, false)
	_, err := s.Append(ctxT(t), "transient", eventstore.Exact(0), ev(`{"a":2}`))
	if !errors.Is(err, eventstore.ErrUnavailable) {
		t.Fatalf("after the retries ran out: %v, want ErrUnavailable", err)
	}
	if got, _ := s.ReadStream(ctxT(t), "transient", eventstore.ReadStreamOptions{}); len(got) != 1 {
		t.Fatalf("stream has %d events, want 1", len(got))
	}
}

func TestSystemEventsAreNeverReturned(t *testing.T) {
	srv := kurrenttest.New(t)
	s := open(t, srv.URL())
	a := mustAppend(t, s, "user-a", eventstore.NoStream(), ev(`{"a":1}`))
	for range 300 {
		srv.AppendSystemEvent("$stats-127.0.0.1:2113", "$statsCollected")
	}
	b := mustAppend(t, s, "user-b", eventstore.NoStream(), ev(`{"b":1}`))
	for range 20 {
		srv.AppendSystemEvent("$scavenges", "$scavengeStarted")
	}
	page, err := s.ReadAll(ctxT(t), a.Position, 1)
	if err != nil || len(page) != 1 || page[0].Position != b.Position {
		t.Fatalf("read after the first event across 300 system events: %d events, %v; want the second event", len(page), err)
	}
	if all := readAll(t, s); len(all) != 2 {
		t.Fatalf("read all returned %d events, want the 2 user events", len(all))
	}
	head, err := s.HeadPosition(ctxT(t))
	if err != nil || head != b.Position {
		t.Fatalf("head = %v (%v), want the last user event's %v", head, err, b.Position)
	}
	wait := collect(t, s, eventstore.Start)
	if got := wait(2); len(got) != 2 || got[0].Stream != "user-a" || got[1].Stream != "user-b" {
		t.Fatalf("subscription delivered %d events", len(got))
	}
}

func TestPositionsAreSparseAndComparedNeverComputed(t *testing.T) {
	srv := kurrenttest.New(t)
	s := open(t, srv.URL())
	r1 := mustAppend(t, s, "sparse", eventstore.NoStream(), ev(`{"n":1}`))
	r2 := mustAppend(t, s, "sparse", eventstore.Exact(0), ev(`{"n":2}`), ev(`{"n":3}`))
	all := readAll(t, s)
	if len(all) != 3 || all[0].Position != r1.Position || all[2].Position != r2.Position {
		t.Fatalf("append results %v, %v do not name their last events in %v", r1.Position, r2.Position, all)
	}
	for i := 1; i < len(all); i++ {
		if all[i].Position.Commit-all[i-1].Position.Commit <= 1 {
			t.Fatalf("positions %v and %v are dense: the fake would not catch a +1 assumption", all[i-1].Position, all[i].Position)
		}
	}
	// One past the first event is not an event's position: the next event still follows it.
	between := eventstore.Position{Commit: r1.Position.Commit + 1, Prepare: r1.Position.Commit + 1}
	page, err := s.ReadAll(ctxT(t), between, 10)
	if err != nil || len(page) != 2 || page[0].ID != all[1].ID {
		t.Fatalf("read after %v: %d events, %v; want the second and third", between, len(page), err)
	}
}

func TestAnyAppendsKeepTheHashChainUnderConcurrency(t *testing.T) {
	srv := kurrenttest.New(t)
	s := open(t, srv.URL())
	const writers, each = 6, 8
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := range each {
				if _, err := s.Append(ctxT(t), "chained", eventstore.Any(), ev(fmt.Sprintf(`{"w":%d,"i":%d}`, w, i))); err != nil {
					t.Errorf("writer %d: %v", w, err)
					return
				}
			}
		})
	}
	wg.Wait()
	problems, digest, err := eventstore.VerifyChain(ctxT(t), s, eventstore.VerifyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(problems) != 0 || digest.Events != writers*each {
		t.Fatalf("chain of %d events has problems: %v", digest.Events, problems)
	}
}

func TestAppendsLargerThanTheServerTakesAreInvalid(t *testing.T) {
	srv := kurrenttest.New(t) // KurrentDB's default MaxAppendSize, 1 MiB
	s := open(t, srv.URL())
	big := `{"x":"` + strings.Repeat("å", 300_000) + `"}`
	_, err := s.Append(ctxT(t), "too-big", eventstore.NoStream(), ev(big), ev(big))
	if !errors.Is(err, eventstore.ErrInvalid) {
		t.Fatalf("append of 1.2 MB: %v, want ErrInvalid", err)
	}
	if _, err := s.ReadStream(ctxT(t), "too-big", eventstore.ReadStreamOptions{}); !errors.Is(err, eventstore.ErrStreamNotFound) {
		t.Fatalf("after the refusal: %v, want not found", err)
	}
}

func TestReconnectsAfterTheServerComesBack(t *testing.T) {
	srv, err := kurrenttest.Start()
	if err != nil {
		t.Fatal(err)
	}
	s := open(t, srv.URL(), WithRetry(3, time.Millisecond, 5*time.Millisecond))
	mustAppend(t, s, "outage", eventstore.NoStream(), ev(`{"before":true}`))
	srv.Close()
	if _, err := s.Append(ctxT(t), "outage", eventstore.Exact(0), ev(`{"during":true}`)); !errors.Is(err, eventstore.ErrUnavailable) {
		t.Fatalf("append while the server is down: %v, want ErrUnavailable", err)
	}
	back, err := srv.Restart()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(back.Close)
	mustAppend(t, s, "outage", eventstore.Exact(0), ev(`{"after":true}`))
	if got, _ := s.ReadStream(ctxT(t), "outage", eventstore.ReadStreamOptions{}); len(got) != 2 {
		t.Fatalf("stream has %d events, want 2", len(got))
	}
}

func TestOpenTakesTheClientsConnectionStrings(t *testing.T) {
	srv := kurrenttest.New(t)
	for _, scheme := range []string{"esdb://", "kurrentdb://"} {
		s := open(t, scheme+strings.TrimPrefix(srv.URL(), "esdb://"))
		if err := s.Ping(ctxT(t)); err != nil {
			t.Fatalf("%s: ping: %v", scheme, err)
		}
	}
	for _, bad := range []string{"http://localhost:2113", "esdb://admin:s3cret@host:2113/%zz"} {
		_, err := Open(bad)
		if err == nil {
			t.Fatalf("Open(%q) accepted it", bad)
		}
		if strings.Contains(err.Error(), "s3cret") {
			t.Fatalf("the error quotes the password: %v", err)
		}
	}
}

func TestClusterDiscoveryByGossipFindsTheLeader(t *testing.T) {
	leader := kurrenttest.New(t)
	follower, err := kurrenttest.StartFollower(leader)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(follower.Close)
	// Gossip seeds, the follower first: the client asks a seed for the
	// members and connects to the leader it names.
	s := open(t, "esdb://"+follower.Addr()+","+leader.Addr()+"?tls=false&maxDiscoverAttempts=3&discoveryInterval=20&gossipTimeout=1")
	for i := range 3 {
		mustAppend(t, s, "gossip", eventstore.Any(), ev(fmt.Sprintf(`{"n":%d}`, i)))
	}
	if n := follower.NotLeaderAnswers(); n != 0 {
		t.Fatalf("the follower refused %d writes: discovery did not pick the leader", n)
	}
	if got, err := s.ReadStream(ctxT(t), "gossip", eventstore.ReadStreamOptions{}); err != nil || len(got) != 3 {
		t.Fatalf("read %d events, %v; want 3", len(got), err)
	}
}
