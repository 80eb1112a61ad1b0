// Package storetest is the contract suite every event-store backend runs
// with its own constructor, so that all backends keep the promises of
// eventstore.Store the same way.
//
// The suite assumes as little as the port promises: positions are compared,
// never computed (they may be sparse), streams get unique names so a shared
// server can run it, and global reads are filtered to the suite's own streams.
package storetest

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/iup-platform/iup/eventstore"
)

// Factory opens a fresh (or shared, see above) store whose RecordedAt comes
// from clock, and registers its Close with t.Cleanup.
type Factory func(t *testing.T, clock eventstore.Clock) eventstore.Store

// Options states what a backend guarantees beyond the port's minimum.
type Options struct {
	// IdempotentForAllExpectations: a retry with Any, NoStream or
	// StreamExists also returns the first result and writes nothing (the
	// port promises it only for Exact).
	IdempotentForAllExpectations bool
	// ReportsIDReuse: an event id stored by another append is refused with
	// eventstore.ErrIDReused.
	ReportsIDReuse bool
	// ServerClock: RecordedAt comes from the server, not the injected clock;
	// the suite then checks only that it is set and in UTC.
	ServerClock bool
}

// Run runs the contract suite against stores made by newStore.
func Run(t *testing.T, newStore Factory, opts Options) {
	h := &harness{newStore: newStore, opts: opts}
	t.Run("expected revision matrix", h.testExpectedRevisionMatrix)
	t.Run("racing writers at one revision: exactly one wins each round", h.testRacingWriters)
	t.Run("invalid appends are refused and write nothing", h.testInvalidAppends)
	t.Run("cancelled context writes nothing", h.testCancelledAppend)
	t.Run("idempotent retry", h.testIdempotentRetry)
	t.Run("global order and reading strictly after a position", h.testGlobalOrder)
	t.Run("read stream forwards, backwards, from end, limit", h.testReadStream)
	t.Run("read stream of a missing stream is not found", h.testStreamNotFound)
	t.Run("1 MiB payloads round-trip", h.testLargePayload)
	t.Run("Swedish text round-trips byte for byte", h.testSwedishText)
	t.Run("metadata round-trips with recorded-at from the clock", h.testMetadata)
	t.Run("subscription hand-off has no gap or duplicate", h.testSubscriptionHandOff)
	t.Run("subscription ends when its context is done", h.testSubscriptionCancel)
	t.Run("every event is hashed and linked to its stream's previous event", h.testHashChain)
}

type harness struct {
	newStore Factory
	opts     Options
}

// fixedNow is in Stockholm time on purpose: the store must record it in UTC.
var fixedNow = time.Date(2026, time.March, 9, 8, 15, 30, 123456789, time.FixedZone("CET", 3600))

func (h *harness) store(t *testing.T) eventstore.Store {
	t.Helper()
	return h.newStore(t, func() time.Time { return fixedNow })
}

// ctx is bounded so a hanging backend fails the test instead of the run.
func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return c
}

// streamName is unique per call, so the suite can share a server.
func streamName(kind string) string {
	return fmt.Sprintf("storetest_%s-%s", kind, uuid.NewString())
}

func event(data string) eventstore.EventData {
	return eventstore.EventData{
		ID:            eventstore.NewEventID(),
		Type:          "storetest.happened",
		SchemaVersion: 1,
		Data:          []byte(data),
		Metadata:      eventstore.Metadata{Tenant: "storetest-tenant", ActorRole: "system"},
	}
}

func events(n int) []eventstore.EventData {
	out := make([]eventstore.EventData, n)
	for i := range out {
		out[i] = event(fmt.Sprintf(`{"n":%d}`, i))
	}
	return out
}

func mustAppend(t *testing.T, s eventstore.Store, stream string, exp eventstore.ExpectedRevision, evs ...eventstore.EventData) eventstore.AppendResult {
	t.Helper()
	res, err := s.Append(ctx(t), stream, exp, evs...)
	if err != nil {
		t.Fatalf("append to %s (%s): %v", stream, exp, err)
	}
	return res
}

func mustRead(t *testing.T, s eventstore.Store, stream string, opts eventstore.ReadStreamOptions) []eventstore.RecordedEvent {
	t.Helper()
	got, err := s.ReadStream(ctx(t), stream, opts)
	if err != nil {
		t.Fatalf("read %s %+v: %v", stream, opts, err)
	}
	return got
}

// revisions lists the revisions of evs, for compact failure messages.
func revisions(evs []eventstore.RecordedEvent) []uint64 {
	out := make([]uint64, len(evs))
	for i, ev := range evs {
		out[i] = ev.Revision
	}
	return out
}

// sameEvent compares what the writer sent with what was stored.
func sameEvent(t *testing.T, want eventstore.EventData, got eventstore.RecordedEvent) {
	t.Helper()
	if got.ID != want.ID || got.Type != want.Type || got.SchemaVersion != want.SchemaVersion {
		t.Fatalf("stored event %s/%s/v%d, want %s/%s/v%d", got.ID, got.Type, got.SchemaVersion, want.ID, want.Type, want.SchemaVersion)
	}
	if !jsonEqual(got.Data, want.Data) {
		t.Fatalf("event %s data = %.200s, want %.200s", want.ID, got.Data, want.Data)
	}
}

// jsonEqual compares bytes first (what SQLite promises) and falls back to
// JSON equality for backends that may re-encode whitespace.
func jsonEqual(a, b []byte) bool {
	if string(a) == string(b) {
		return true
	}
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return false
	}
	xa, _ := json.Marshal(x)
	ya, _ := json.Marshal(y)
	return string(xa) == string(ya)
}
