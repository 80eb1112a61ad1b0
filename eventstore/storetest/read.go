package storetest

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/iup-platform/iup/eventstore"
)

// readOwn reads the global log after `after` and keeps the events of the
// given streams (a shared server has others too).
func readOwn(t *testing.T, s eventstore.Store, after eventstore.Position, streams map[string]bool) []eventstore.RecordedEvent {
	t.Helper()
	var out []eventstore.RecordedEvent
	for {
		page, err := s.ReadAll(ctx(t), after, 100)
		if err != nil {
			t.Fatalf("read all after %v: %v", after, err)
		}
		if len(page) == 0 {
			return out
		}
		for _, ev := range page {
			if !after.Before(ev.Position) {
				t.Fatalf("read all after %v returned %v, not strictly after", after, ev.Position)
			}
			after = ev.Position
			if streams[ev.Stream] {
				out = append(out, ev)
			}
		}
	}
}

func (h *harness) testGlobalOrder(t *testing.T) {
	s := h.store(t)
	head, err := s.HeadPosition(ctx(t))
	if err != nil {
		t.Fatalf("head: %v", err)
	}
	streams := map[string]bool{}
	var sent []eventstore.EventData
	var results []eventstore.AppendResult
	for i := range 6 {
		stream := streamName(fmt.Sprintf("order%d", i%3))
		streams[stream] = true
		evs := events(1 + i%2)
		sent = append(sent, evs...)
		results = append(results, mustAppend(t, s, stream, eventstore.Any(), evs...))
		if now, err := s.HeadPosition(ctx(t)); err != nil || now.Before(results[i].Position) {
			t.Fatalf("head %v (%v) is before the last append's position %v", now, err, results[i].Position)
		}
	}
	got := readOwn(t, s, head, streams)
	if len(got) != len(sent) {
		t.Fatalf("read %d events, want %d", len(got), len(sent))
	}
	for i, ev := range got {
		sameEvent(t, sent[i], ev)
		if i > 0 && !got[i-1].Position.Before(ev.Position) {
			t.Fatalf("position %v does not follow %v", ev.Position, got[i-1].Position)
		}
	}
	// Every append's result names the position of its last event.
	last := map[eventstore.Position]bool{}
	for _, ev := range got {
		last[ev.Position] = true
	}
	for i, r := range results {
		if !last[r.Position] {
			t.Fatalf("append %d returned position %v, which no stored event has", i, r.Position)
		}
	}
	// Strictly after a middle position: exactly the later events.
	mid := got[2].Position
	if after := readOwn(t, s, mid, streams); len(after) != len(got)-3 || after[0].ID != got[3].ID {
		t.Fatalf("after %v read %d events, want %d starting with %s", mid, len(after), len(got)-3, got[3].ID)
	}
	if page, err := s.ReadAll(ctx(t), head, 2); err != nil || len(page) != 2 {
		t.Fatalf("read all with limit 2: %d events, %v", len(page), err)
	}
	if rest := readOwn(t, s, got[len(got)-1].Position, streams); len(rest) != 0 {
		t.Fatalf("after the last event read %d more", len(rest))
	}
}

func (h *harness) testReadStream(t *testing.T) {
	s := h.store(t)
	stream := streamName("read")
	mustAppend(t, s, stream, eventstore.NoStream(), events(5)...)
	cases := []struct {
		name string
		opts eventstore.ReadStreamOptions
		want []uint64
	}{
		{"forwards, all", eventstore.ReadStreamOptions{}, []uint64{0, 1, 2, 3, 4}},
		{"forwards from 2", eventstore.ReadStreamOptions{From: 2}, []uint64{2, 3, 4}},
		{"forwards with limit", eventstore.ReadStreamOptions{From: 1, Limit: 2}, []uint64{1, 2}},
		{"forwards from the end", eventstore.ReadStreamOptions{FromEnd: true}, []uint64{4}},
		{"forwards right after the last event", eventstore.ReadStreamOptions{From: 5}, []uint64{}}, // a fold from a kept state
		{"forwards past the end", eventstore.ReadStreamOptions{From: 9}, []uint64{}},
		{"backwards from the end", eventstore.ReadStreamOptions{FromEnd: true, Backwards: true}, []uint64{4, 3, 2, 1, 0}},
		{"backwards from the end, limit 1", eventstore.ReadStreamOptions{FromEnd: true, Backwards: true, Limit: 1}, []uint64{4}},
		{"backwards from 3 with limit", eventstore.ReadStreamOptions{From: 3, Backwards: true, Limit: 2}, []uint64{3, 2}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := revisions(mustRead(t, s, stream, tc.opts))
			if fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Fatalf("revisions = %v, want %v", got, tc.want)
			}
		})
	}
}

func (h *harness) testStreamNotFound(t *testing.T) {
	s := h.store(t)
	for _, opts := range []eventstore.ReadStreamOptions{{}, {FromEnd: true, Backwards: true}} {
		if _, err := s.ReadStream(ctx(t), streamName("missing"), opts); !errors.Is(err, eventstore.ErrStreamNotFound) {
			t.Fatalf("read %+v of a missing stream: %v, want ErrStreamNotFound", opts, err)
		}
	}
}

func (h *harness) testLargePayload(t *testing.T) {
	s := h.store(t)
	stream := streamName("large")
	var sb strings.Builder
	sb.WriteString(`{"comment":"`)
	for sb.Len() < 1<<20-16 {
		sb.WriteString("Eleven visar goda kunskaper i ämnet. ")
	}
	sb.WriteString(`"}`)
	big := event(sb.String())
	mustAppend(t, s, stream, eventstore.NoStream(), big, event(sb.String()))
	got := mustRead(t, s, stream, eventstore.ReadStreamOptions{})
	if len(got) != 2 || !bytes.Equal(got[0].Data, big.Data) || !bytes.Equal(got[1].Data, got[0].Data) {
		t.Fatalf("1 MiB payloads did not round-trip (%d events)", len(got))
	}
}

func (h *harness) testSwedishText(t *testing.T) {
	s := h.store(t)
	stream := streamName("svenska-åäö")
	// Precomposed and decomposed forms: neither may be normalised away.
	text := "Ämneslärare Åsa Öberg skriver: å, ä, ö, Å, Ä, Ö; decomposed a\u030a a\u0308 o\u0308"
	ev := event(`{"comment":"` + text + `"}`)
	ev.Metadata.ActorID = "Åsa Öberg"
	ev.Metadata.OnBehalfOf = "rektor-ö"
	ev.Metadata.RequestID = "begäran-" + text
	mustAppend(t, s, stream, eventstore.NoStream(), ev)
	got := mustRead(t, s, stream, eventstore.ReadStreamOptions{})
	if len(got) != 1 || got[0].Stream != stream {
		t.Fatalf("read %d events from %q", len(got), stream)
	}
	if !bytes.Equal(got[0].Data, ev.Data) {
		t.Fatalf("data = %q, want %q", got[0].Data, ev.Data)
	}
	md := got[0].Metadata
	if md.ActorID != ev.Metadata.ActorID || md.OnBehalfOf != ev.Metadata.OnBehalfOf || md.RequestID != ev.Metadata.RequestID {
		t.Fatalf("metadata = %+v, want %+v", md, ev.Metadata)
	}
}

func (h *harness) testMetadata(t *testing.T) {
	s := h.store(t)
	stream := streamName("metadata")
	ev := event(`{"x":1}`)
	ev.Metadata = eventstore.Metadata{
		Tenant: "huvudman-1", ActorID: "person-42", ActorRole: "admin", OnBehalfOf: "person-7",
		CorrelationID: "corr-1", CausationID: "cause-1", RequestID: "req-1",
		RecordedAt: time.Date(1999, 1, 1, 0, 0, 0, 0, time.UTC), // the store's clock wins
	}
	mustAppend(t, s, stream, eventstore.NoStream(), ev)
	got := mustRead(t, s, stream, eventstore.ReadStreamOptions{})[0].Metadata
	want := ev.Metadata
	want.RecordedAt = got.RecordedAt
	want.ContentHash, want.PrevHash = got.ContentHash, got.PrevHash // the store's, checked by the chain test
	if got != want {
		t.Fatalf("metadata = %+v, want %+v", got, want)
	}
	if got.RecordedAt.Location() != time.UTC {
		t.Fatalf("recorded at %v is not in UTC", got.RecordedAt)
	}
	if h.opts.ServerClock {
		if got.RecordedAt.Year() < 2020 {
			t.Fatalf("recorded at %v, want the server's time", got.RecordedAt)
		}
		return
	}
	if !got.RecordedAt.Equal(fixedNow) {
		t.Fatalf("recorded at %v, want the injected clock's %v", got.RecordedAt, fixedNow.UTC())
	}
}
