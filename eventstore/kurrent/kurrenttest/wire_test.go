package kurrenttest

import (
	"context"
	"errors"
	"io"
	"testing"
	"time"

	"github.com/EventStore/EventStore-Client-Go/v4/esdb"
	"github.com/google/uuid"
)

// These tests hold the fake to the wire behaviour it claims, through the
// official client itself, so the adapter's tests rest on something checked.

func client(t *testing.T, s *Server) *esdb.Client {
	t.Helper()
	cfg, err := esdb.ParseConnectionString(s.URL())
	if err != nil {
		t.Fatal(err)
	}
	cfg.Logger = esdb.NoopLogging()
	c, err := esdb.NewClient(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

func bg(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return c
}

func event(id uuid.UUID) esdb.EventData {
	return esdb.EventData{EventID: id, EventType: "t", ContentType: esdb.ContentTypeJson, Data: []byte(`{"x":1}`)}
}

func code(err error) esdb.ErrorCode {
	var e *esdb.Error
	if errors.As(err, &e) {
		return e.Code()
	}
	return -1
}

func appendOK(t *testing.T, c *esdb.Client, stream string, exp esdb.ExpectedRevision, ids ...uuid.UUID) *esdb.WriteResult {
	t.Helper()
	evs := make([]esdb.EventData, len(ids))
	for i, id := range ids {
		evs[i] = event(id)
	}
	res, err := c.AppendToStream(bg(t), stream, esdb.AppendToStreamOptions{ExpectedRevision: exp}, evs...)
	if err != nil {
		t.Fatalf("append %v: %v", ids, err)
	}
	return res
}

func readAllFrom(t *testing.T, c *esdb.Client, from esdb.AllPosition) []*esdb.RecordedEvent {
	t.Helper()
	rs, err := c.ReadAll(bg(t), esdb.ReadAllOptions{From: from}, 100)
	if err != nil {
		t.Fatal(err)
	}
	defer rs.Close()
	var out []*esdb.RecordedEvent
	for {
		e, err := rs.Recv()
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, e.OriginalEvent())
	}
}

func TestDuplicateDetectionByEventID(t *testing.T) {
	c := client(t, New(t))
	a, b, x := uuid.New(), uuid.New(), uuid.New()
	first := appendOK(t, c, "s", esdb.NoStream{}, a, b)
	if again := appendOK(t, c, "s", esdb.NoStream{}, a, b); *again != *first {
		t.Fatalf("same ids at the same expectation: %+v, want the first result %+v", again, first)
	}
	appendOK(t, c, "s", esdb.Revision(1), x)
	if again := appendOK(t, c, "s", esdb.Revision(0), b); *again != *first {
		t.Fatalf("retry after the stream moved on: %+v, want %+v", again, first)
	}
	if again := appendOK(t, c, "s", esdb.Any{}, a, b); *again != *first {
		t.Fatalf("any with stored ids: %+v, want %+v", again, first)
	}
	for name, exp := range map[string]esdb.ExpectedRevision{"exact, new id first": esdb.Revision(0), "any, partly stored": esdb.Any{}} {
		ids := []esdb.EventData{event(uuid.New()), event(b)}
		if name == "any, partly stored" {
			ids = []esdb.EventData{event(a), event(uuid.New())}
		}
		if _, err := c.AppendToStream(bg(t), "s", esdb.AppendToStreamOptions{ExpectedRevision: exp}, ids...); code(err) != esdb.ErrorCodeWrongExpectedVersion {
			t.Fatalf("%s: %v, want wrong expected version", name, err)
		}
	}
	if evs := readAllFrom(t, c, esdb.Start{}); len(evs) != 3 {
		t.Fatalf("log has %d events, want 3", len(evs))
	}
}

func TestAllReadsAreInclusiveAndSubscriptionsExclusive(t *testing.T) {
	srv := New(t)
	c := client(t, srv)
	for range 3 {
		appendOK(t, c, "p", esdb.Any{}, uuid.New())
	}
	all := readAllFrom(t, c, esdb.Start{})
	if d := all[1].Position.Commit - all[0].Position.Commit; d <= 1 || all[1].Position.Prepare != all[1].Position.Commit {
		t.Fatalf("positions %v, %v: want sparse, prepare = commit", all[0].Position, all[1].Position)
	}
	if got := readAllFrom(t, c, all[1].Position); len(got) != 2 || got[0].EventID != all[1].EventID {
		t.Fatalf("read from the second event's position: %d events, want it and the third", len(got))
	}
	sub := func(from esdb.AllPosition) uuid.UUID {
		s, err := c.SubscribeToAll(bg(t), esdb.SubscribeToAllOptions{From: from})
		if err != nil {
			t.Fatal(err)
		}
		defer func() { _ = s.Close() }()
		for {
			if m := s.Recv(); m.EventAppeared != nil {
				return m.EventAppeared.OriginalEvent().EventID
			} else if m.SubscriptionDropped != nil {
				t.Fatal(m.SubscriptionDropped.Error)
			}
		}
	}
	if got := sub(all[0].Position); got != all[1].EventID {
		t.Fatal("a subscription from an event's position did not start with the next event")
	}
	between := esdb.Position{Commit: all[0].Position.Commit + 1, Prepare: all[0].Position.Commit + 1}
	if got := sub(between); got != all[2].EventID {
		t.Fatal("a subscription from a position inside a record did not skip the first event after it, as KurrentDB does")
	}
}

func TestFilteredSubscriptionSendsCheckpointsAndCaughtUp(t *testing.T) {
	srv := New(t)
	c := client(t, srv)
	for range 40 {
		srv.AppendSystemEvent("$stats", "$statsCollected")
	}
	appendOK(t, c, "user", esdb.NoStream{}, uuid.New())
	s, err := c.SubscribeToAll(bg(t), esdb.SubscribeToAllOptions{From: esdb.Start{},
		Filter: &esdb.SubscriptionFilter{Type: esdb.StreamFilterType, Regex: "^[^$]"}})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = s.Close() }()
	var checkpoints, events int
	for {
		m := s.Recv()
		switch {
		case m.SubscriptionDropped != nil:
			t.Fatal(m.SubscriptionDropped.Error)
		case m.CheckPointReached != nil:
			checkpoints++
		case m.EventAppeared != nil:
			events++
		}
		if m.CaughtUp != nil {
			break
		}
	}
	if events != 1 || checkpoints < 2 {
		t.Fatalf("caught up after %d events and %d checkpoints, want 1 event and a checkpoint every 32 considered plus one at the end", events, checkpoints)
	}
}

func TestFollowerAnswersNotLeaderAndTombstonesAreFinal(t *testing.T) {
	leader := New(t)
	follower, err := StartFollower(leader)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(follower.Close)
	fc := client(t, follower)
	if _, err := fc.AppendToStream(bg(t), "k", esdb.AppendToStreamOptions{}, event(uuid.New())); code(err) != esdb.ErrorCodeNotLeader {
		t.Fatalf("append on a follower: %v, want not leader", err)
	}
	c := client(t, leader)
	appendOK(t, c, "k", esdb.NoStream{}, uuid.New())
	if _, err := c.TombstoneStream(bg(t), "k", esdb.TombstoneStreamOptions{ExpectedRevision: esdb.Any{}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.AppendToStream(bg(t), "k", esdb.AppendToStreamOptions{}, event(uuid.New())); code(err) != esdb.ErrorCodeStreamDeleted {
		t.Fatalf("append after the tombstone: %v, want stream deleted", err)
	}
	rs, err := c.ReadStream(bg(t), "k", esdb.ReadStreamOptions{}, 10)
	if err == nil {
		_, err = rs.Recv()
		rs.Close()
	}
	if code(err) != esdb.ErrorCodeStreamDeleted {
		t.Fatalf("read after the tombstone: %v, want stream deleted", err)
	}
}

func TestLiveSubscriptionThatFallsBehindSaysSo(t *testing.T) {
	srv := New(t)
	c := client(t, srv)
	s, err := c.SubscribeToAll(bg(t), esdb.SubscribeToAllOptions{From: esdb.End{}})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = s.Close() }()
	if m := s.Recv(); m.CaughtUp == nil {
		t.Fatalf("a subscription from the end starts live: got %+v", m)
	}
	srv.db.mu.Lock() // a burst larger than the live buffer, written at once
	for range fellBehindAt + 10 {
		srv.db.writeLocked("$burst", []proposed{{id: uuid.New(), eventType: "b", contentType: "application/json"}}, 0)
	}
	srv.db.mu.Unlock()
	var fellBehind, events int
	for events < fellBehindAt+10 {
		m := s.Recv()
		switch {
		case m.SubscriptionDropped != nil:
			t.Fatal(m.SubscriptionDropped.Error)
		case m.FellBehind != nil:
			fellBehind++
		case m.EventAppeared != nil:
			events++
		}
	}
	if m := s.Recv(); fellBehind != 1 || m.CaughtUp == nil {
		t.Fatalf("fell behind %d times, then %+v; want once, then caught up again", fellBehind, m)
	}
}
