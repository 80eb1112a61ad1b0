package storetest

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/google/uuid"

	"github.com/iup-platform/iup/eventstore"
)

func (h *harness) testExpectedRevisionMatrix(t *testing.T) {
	s := h.store(t)
	type want struct {
		ok       bool
		revision uint64 // after a successful append
		exists   bool   // in the conflict
		actual   uint64 // in the conflict
	}
	cases := []struct {
		name     string
		existing int // events in the stream before the append
		expected eventstore.ExpectedRevision
		want     want
	}{
		{"any on a missing stream", 0, eventstore.Any(), want{ok: true, revision: 0}},
		{"no stream on a missing stream", 0, eventstore.NoStream(), want{ok: true, revision: 0}},
		{"stream exists on a missing stream", 0, eventstore.StreamExists(), want{exists: false, actual: 0}},
		{"exact 0 on a missing stream", 0, eventstore.Exact(0), want{exists: false, actual: 0}},
		{"any on an existing stream", 2, eventstore.Any(), want{ok: true, revision: 2}},
		{"no stream on an existing stream", 2, eventstore.NoStream(), want{exists: true, actual: 1}},
		{"stream exists on an existing stream", 2, eventstore.StreamExists(), want{ok: true, revision: 2}},
		{"exact current revision", 2, eventstore.Exact(1), want{ok: true, revision: 2}},
		{"exact older revision", 2, eventstore.Exact(0), want{exists: true, actual: 1}},
		{"exact future revision", 2, eventstore.Exact(5), want{exists: true, actual: 1}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			stream := streamName("matrix")
			var before eventstore.AppendResult
			if tc.existing > 0 {
				before = mustAppend(t, s, stream, eventstore.NoStream(), events(tc.existing)...)
			}
			res, err := s.Append(ctx(t), stream, tc.expected, event(`{"x":1}`))
			if tc.want.ok {
				if err != nil {
					t.Fatalf("append: %v", err)
				}
				if res.Revision != tc.want.revision {
					t.Fatalf("revision = %d, want %d", res.Revision, tc.want.revision)
				}
				if tc.existing > 0 && !before.Position.Before(res.Position) {
					t.Fatalf("position %v not after the earlier append's %v", res.Position, before.Position)
				}
				return
			}
			c, ok := eventstore.AsConflict(err)
			if !ok {
				t.Fatalf("err = %v, want a *ConflictError", err)
			}
			if c.Stream != stream || c.Exists != tc.want.exists || c.Actual != tc.want.actual || c.Expected != tc.expected {
				t.Fatalf("conflict = %+v, want exists=%v actual=%d expected=%s", c, tc.want.exists, tc.want.actual, tc.expected)
			}
			// A refused append writes nothing.
			got, err := s.ReadStream(ctx(t), stream, eventstore.ReadStreamOptions{})
			if tc.existing == 0 {
				if !errors.Is(err, eventstore.ErrStreamNotFound) {
					t.Fatalf("after conflict, read = %d events, %v; want not found", len(got), err)
				}
			} else if err != nil || len(got) != tc.existing {
				t.Fatalf("after conflict, read = %d events, %v; want %d", len(got), err, tc.existing)
			}
		})
	}
}

func (h *harness) testRacingWriters(t *testing.T) {
	const writers, rounds = 32, 5
	s := h.store(t)
	stream := streamName("race")
	mustAppend(t, s, stream, eventstore.NoStream(), event(`{"seed":true}`))
	for round := range rounds {
		current := uint64(round) // one winner per round so far, after the seed at 0
		var wg sync.WaitGroup
		start := make(chan struct{})
		errs := make([]error, writers)
		for w := range writers {
			wg.Go(func() {
				<-start
				_, errs[w] = s.Append(ctx(t), stream, eventstore.Exact(current), event(`{"racer":true}`))
			})
		}
		close(start)
		wg.Wait()
		wins := 0
		for _, err := range errs {
			if err == nil {
				wins++
				continue
			}
			c, ok := eventstore.AsConflict(err)
			if !ok {
				t.Fatalf("round %d: loser got %v, want a conflict", round, err)
			}
			if !c.Exists || c.Actual != current+1 {
				t.Fatalf("round %d: conflict says actual %d (exists %v), want %d", round, c.Actual, c.Exists, current+1)
			}
		}
		if wins != 1 {
			t.Fatalf("round %d: %d writers won, want exactly 1", round, wins)
		}
	}
	got := mustRead(t, s, stream, eventstore.ReadStreamOptions{})
	if len(got) != rounds+1 {
		t.Fatalf("stream has %d events, want %d", len(got), rounds+1)
	}
	for i, ev := range got {
		if ev.Revision != uint64(i) {
			t.Fatalf("revisions %v are not 0..%d", revisions(got), rounds)
		}
	}
}

func (h *harness) testInvalidAppends(t *testing.T) {
	s := h.store(t)
	valid := func() eventstore.EventData { return event(`{"ok":true}`) }
	dup := valid()
	cases := []struct {
		name   string
		stream string
		events []eventstore.EventData
	}{
		{"empty stream name", "", []eventstore.EventData{valid()}},
		{"reserved stream name", "$" + streamName("reserved"), []eventstore.EventData{valid()}},
		{"no events", streamName("invalid"), nil},
		{"nil id", streamName("invalid"), []eventstore.EventData{func() eventstore.EventData { e := valid(); e.ID = uuid.Nil; return e }()}},
		{"empty type", streamName("invalid"), []eventstore.EventData{func() eventstore.EventData { e := valid(); e.Type = ""; return e }()}},
		{"schema version 0", streamName("invalid"), []eventstore.EventData{func() eventstore.EventData { e := valid(); e.SchemaVersion = 0; return e }()}},
		{"data not JSON", streamName("invalid"), []eventstore.EventData{valid(), func() eventstore.EventData { e := valid(); e.Data = []byte("{nope"); return e }()}},
		{"same id twice", streamName("invalid"), []eventstore.EventData{dup, dup}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := s.Append(ctx(t), tc.stream, eventstore.Any(), tc.events...)
			if !errors.Is(err, eventstore.ErrInvalid) {
				t.Fatalf("err = %v, want ErrInvalid", err)
			}
			if tc.stream == "" || tc.stream[0] == '$' {
				return
			}
			if _, err := s.ReadStream(ctx(t), tc.stream, eventstore.ReadStreamOptions{}); !errors.Is(err, eventstore.ErrStreamNotFound) {
				t.Fatalf("after a refused append, read: %v; want not found", err)
			}
		})
	}
}

func (h *harness) testCancelledAppend(t *testing.T) {
	s := h.store(t)
	stream := streamName("cancelled")
	c, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := s.Append(c, stream, eventstore.NoStream(), event(`{"late":true}`)); !errors.Is(err, context.Canceled) {
		t.Fatalf("append with a cancelled context: %v, want context.Canceled", err)
	}
	if _, err := s.ReadStream(ctx(t), stream, eventstore.ReadStreamOptions{}); !errors.Is(err, eventstore.ErrStreamNotFound) {
		t.Fatalf("after a cancelled append, read: %v; want not found", err)
	}
}
