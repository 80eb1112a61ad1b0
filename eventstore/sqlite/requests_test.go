package sqlite

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/iup-platform/iup/eventstore"
)

func TestEventsByRequestFindsKeyedAppendsAfterReopen(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "events.db")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	ev := func(tenant, req string) eventstore.EventData {
		return eventstore.EventData{ID: eventstore.NewEventID(), Type: "t", SchemaVersion: 1, Data: []byte(`{}`),
			Metadata: eventstore.Metadata{Tenant: tenant, RequestID: req}}
	}
	mustAppend := func(stream string, evs ...eventstore.EventData) {
		t.Helper()
		if _, err := s.Append(ctx, stream, eventstore.Any(), evs...); err != nil {
			t.Fatal(err)
		}
	}
	mustAppend("a-t1.1", ev("t1", "idem:K1.fp"), ev("t1", "idem:K1.fp"))
	mustAppend("b-t1.2", ev("t1", "idem:K1.fp"))
	mustAppend("a-t1.1", ev("t1", "idem:K2.fp"), ev("t1", "plain-request"))
	mustAppend("a-t2.1", ev("t2", "idem:K1.fp")) // same key in another tenant
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if s, err = Open(path); err != nil {
		t.Fatal(err)
	}
	defer s.Close()

	got, err := s.EventsByRequest(ctx, "t1", "idem:K1.")
	if err != nil {
		t.Fatal(err)
	}
	var streams []string
	for _, e := range got {
		streams = append(streams, e.Stream)
	}
	if want := "a-t1.1 a-t1.1 b-t1.2"; strings.Join(streams, " ") != want {
		t.Fatalf("streams = %v, want %s", streams, want)
	}
	if got, _ := s.EventsByRequest(ctx, "t1", "plain"); len(got) != 0 {
		t.Fatalf("a prefix outside idem: returned %d events", len(got))
	}
	var plan string
	if err := s.reader.QueryRowContext(ctx, `EXPLAIN QUERY PLAN SELECT position FROM events
		WHERE json_extract(metadata, '$.request_id') >= 'idem:K1.' AND json_extract(metadata, '$.request_id') < 'idem:K1.\xff'
		  AND json_extract(metadata, '$.request_id') >= 'idem:' AND json_extract(metadata, '$.request_id') < 'idem;'`).Scan(new(int), new(int), new(int), &plan); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(plan, "events_idempotency") {
		t.Fatalf("lookup does not use the index: %s", plan)
	}
}
