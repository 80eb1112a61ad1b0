package kurrent

import (
	"errors"
	"testing"

	"github.com/iup-platform/iup/eventstore"
	"github.com/iup-platform/iup/eventstore/kurrent/kurrenttest"
)

// keyed is an event of tenant written under request id.
func keyed(tenant, requestID, data string) eventstore.EventData {
	e := ev(data)
	e.Metadata.Tenant, e.Metadata.RequestID = tenant, requestID
	return e
}

func ids(evs []eventstore.RecordedEvent) []string {
	out := make([]string, len(evs))
	for i, e := range evs {
		out[i] = e.Stream + "/" + string(e.Data)
	}
	return out
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestRequestIndexFindsABulkRequestAfterARestart(t *testing.T) {
	srv := kurrenttest.New(t)
	s := open(t, srv.URL())
	const req = "idem:key-1.fp-1"
	// Other traffic around and inside the streams the request writes.
	mustAppend(t, s, "plan-1", eventstore.NoStream(), ev(`"before"`))
	mustAppend(t, s, "plan-1", eventstore.Any(), keyed("t", req, `"a1"`), keyed("t", req, `"a2"`))
	mustAppend(t, s, "plan-1", eventstore.Any(), keyed("t", "corr-7", `"after"`))
	mustAppend(t, s, "plan-2", eventstore.NoStream(), keyed("t", req, `"b1"`))
	mustAppend(t, s, "plan-3", eventstore.NoStream(), keyed("t", "idem:key-2.fp-9", `"other key"`))

	// A new store on the same server: nothing of the first is kept in memory.
	fresh := open(t, srv.URL())
	got, err := fresh.EventsByRequest(ctxT(t), "t", "idem:key-1.")
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{`plan-1/"a1"`, `plan-1/"a2"`, `plan-2/"b1"`}; !equal(ids(got), want) {
		t.Fatalf("found %v, want %v (both streams, in log order)", ids(got), want)
	}
	if got[0].Revision != 1 || got[2].Revision != 0 || !got[0].Position.Before(got[2].Position) {
		t.Fatalf("revisions/positions: %+v", got)
	}
	// The whole request id finds the same; another tenant finds nothing.
	if again, err := fresh.EventsByRequest(ctxT(t), "t", req); err != nil || len(again) != 3 {
		t.Fatalf("by the whole id: %v, %v", ids(again), err)
	}
	if other, err := fresh.EventsByRequest(ctxT(t), "t2", "idem:key-1."); err != nil || len(other) != 0 {
		t.Fatalf("another tenant: %v, %v", ids(other), err)
	}
	if none, err := fresh.EventsByRequest(ctxT(t), "t", "idem:never."); err != nil || len(none) != 0 {
		t.Fatalf("an unused key: %v, %v", ids(none), err)
	}
	// The index streams are system streams: $all never shows them.
	for _, e := range readAll(t, fresh) {
		if e.Type != "test.happened" {
			t.Fatalf("read all returned %s in %s", e.Type, e.Stream)
		}
	}
}

func TestRequestIndexSeesAKeyReusedForAnotherRequest(t *testing.T) {
	srv := kurrenttest.New(t)
	s := open(t, srv.URL())
	mustAppend(t, s, "plan-1", eventstore.NoStream(), keyed("t", "idem:key-1.fp-1", `"first"`))
	got, err := s.EventsByRequest(ctxT(t), "t", "idem:key-1.")
	if err != nil || len(got) != 1 || got[0].Metadata.RequestID != "idem:key-1.fp-1" {
		t.Fatalf("found %v, %v", ids(got), err)
	}
	// The API looks up by the key's prefix and compares fingerprints itself:
	// a second request under the key (another body) must find the first.
	if got, _ := s.EventsByRequest(ctxT(t), "t", "idem:key-1.fp-2"); len(got) != 0 {
		t.Fatalf("a whole id with another fingerprint matched %v", ids(got))
	}
}

func TestRequestIntentWithoutItsAppendFindsNothing(t *testing.T) {
	srv := kurrenttest.New(t)
	s := open(t, srv.URL())
	mustAppend(t, s, "plan-1", eventstore.NoStream(), ev(`"x"`))

	// The append is refused after its intent was written.
	_, err := s.Append(ctxT(t), "plan-1", eventstore.NoStream(), keyed("t", "idem:key-1.fp-1", `"lost"`))
	var conflict *eventstore.ConflictError
	if !errors.As(err, &conflict) {
		t.Fatalf("append: %v, want a conflict", err)
	}
	// A crash between the intent and the append, to a stream never created.
	if err := s.recordIntents(ctxT(t), "plan-9", 0, []eventstore.EventData{keyed("t", "idem:key-1.fp-1", `"x"`)}); err != nil {
		t.Fatal(err)
	}
	got, err := open(t, srv.URL()).EventsByRequest(ctxT(t), "t", "idem:key-1.")
	if err != nil || len(got) != 0 {
		t.Fatalf("found %v, %v; an intent without its events is an append that never happened", ids(got), err)
	}

	// The retry then writes, and is found.
	mustAppend(t, s, "plan-1", eventstore.Exact(0), keyed("t", "idem:key-1.fp-1", `"retry"`))
	got, err = s.EventsByRequest(ctxT(t), "t", "idem:key-1.")
	if err != nil || !equal(ids(got), []string{`plan-1/"retry"`}) {
		t.Fatalf("after the retry: %v, %v", ids(got), err)
	}
}

func TestUnkeyedAppendsWriteNoIntent(t *testing.T) {
	srv := kurrenttest.New(t)
	s := open(t, srv.URL())
	before := srv.EventCount()
	mustAppend(t, s, "plan-1", eventstore.NoStream(), keyed("t", "corr-1", `"x"`))
	if n := srv.EventCount() - before; n != 1 {
		t.Fatalf("an append without an idempotency key wrote %d records, want 1", n)
	}
	mustAppend(t, s, "plan-1", eventstore.Any(), keyed("t", "idem:k.f", `"y"`))
	if n := srv.EventCount() - before; n != 3 {
		t.Fatalf("a keyed append wrote %d records in all, want its intent and its event", n-1)
	}
}
