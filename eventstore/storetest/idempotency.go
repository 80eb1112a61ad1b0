package storetest

import (
	"errors"
	"testing"

	"github.com/iup-platform/iup/eventstore"
)

func (h *harness) testIdempotentRetry(t *testing.T) {
	s := h.store(t)
	t.Run("exact retry returns the first result and writes nothing", func(t *testing.T) {
		stream := streamName("retry")
		mustAppend(t, s, stream, eventstore.NoStream(), event(`{"seed":true}`))
		batch := events(2)
		first := mustAppend(t, s, stream, eventstore.Exact(0), batch...)
		if again := mustAppend(t, s, stream, eventstore.Exact(0), batch...); again != first {
			t.Fatalf("retry = %+v, want the first result %+v", again, first)
		}
		mustAppend(t, s, stream, eventstore.Exact(2), event(`{"later":true}`))
		if again := mustAppend(t, s, stream, eventstore.Exact(0), batch...); again != first {
			t.Fatalf("retry after the stream moved on = %+v, want %+v", again, first)
		}
		if got := mustRead(t, s, stream, eventstore.ReadStreamOptions{}); len(got) != 4 {
			t.Fatalf("stream has %d events (revisions %v), want 4", len(got), revisions(got))
		}
	})
	if h.opts.IdempotentForAllExpectations {
		for _, exp := range []eventstore.ExpectedRevision{eventstore.Any(), eventstore.NoStream(), eventstore.StreamExists()} {
			t.Run("retry with "+exp.String(), func(t *testing.T) {
				stream := streamName("retry")
				if exp.IsStreamExists() {
					mustAppend(t, s, stream, eventstore.NoStream(), event(`{"seed":true}`))
				}
				batch := events(3)
				first := mustAppend(t, s, stream, exp, batch...)
				mustAppend(t, s, stream, eventstore.Any(), event(`{"later":true}`))
				if again := mustAppend(t, s, stream, exp, batch...); again != first {
					t.Fatalf("retry = %+v, want the first result %+v", again, first)
				}
				if got := mustRead(t, s, stream, eventstore.ReadStreamOptions{}); got[len(got)-1].Revision != first.Revision+1 {
					t.Fatalf("retry wrote events: revisions %v", revisions(got))
				}
			})
		}
	}
	if !h.opts.ReportsIDReuse {
		return
	}
	stream := streamName("reuse")
	a, b, c := event(`{"a":1}`), event(`{"b":1}`), event(`{"c":1}`)
	mustAppend(t, s, stream, eventstore.NoStream(), a, b)
	reuses := []struct {
		name   string
		stream string
		events []eventstore.EventData
	}{
		{"in another stream", streamName("reuse"), []eventstore.EventData{a, b}},
		{"in another order", stream, []eventstore.EventData{b, a}},
		{"a prefix of the append", stream, []eventstore.EventData{a}},
		{"a suffix of the append", stream, []eventstore.EventData{b}},
		{"with a new event after", stream, []eventstore.EventData{a, b, c}},
		{"after a new event", stream, []eventstore.EventData{c, a}},
	}
	for _, tc := range reuses {
		t.Run("stored ids "+tc.name+" are refused", func(t *testing.T) {
			_, err := s.Append(ctx(t), tc.stream, eventstore.Any(), tc.events...)
			if !errors.Is(err, eventstore.ErrIDReused) {
				t.Fatalf("err = %v, want ErrIDReused", err)
			}
			if got := mustRead(t, s, stream, eventstore.ReadStreamOptions{}); len(got) != 2 {
				t.Fatalf("stream has revisions %v, want 0 and 1 only", revisions(got))
			}
			if tc.stream != stream {
				if _, err := s.ReadStream(ctx(t), tc.stream, eventstore.ReadStreamOptions{}); !errors.Is(err, eventstore.ErrStreamNotFound) {
					t.Fatalf("other stream: %v, want not found", err)
				}
			}
		})
	}
}
