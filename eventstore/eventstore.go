// Package eventstore is the port every event-store backend implements: an
// append-only log of immutable events, grouped into streams (one per
// aggregate) and totally ordered in one global log.
//
// Backends live in subpackages (sqlite, kurrent); storetest holds the contract
// suite each backend's tests run with their own constructor.
package eventstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"strconv"
	"time"

	"github.com/google/uuid"
)

// Store is the event store. Implementations are safe for concurrent use.
//
// Idempotent retry: appending events whose ids are already stored returns the
// result of the first append and writes nothing. The SQLite store guarantees
// this for every expectation. Other backends may guarantee it only when the
// retry carries an exact expected revision (KurrentDB deduplicates by event id
// reliably only then), so callers that retry should pass Exact.
type Store interface {
	// Append writes events to the end of stream when the stream matches
	// expected, atomically: all or none. It returns the stream's new revision
	// and the global position of the last event. A mismatch returns a
	// *ConflictError carrying the actual revision.
	Append(ctx context.Context, stream string, expected ExpectedRevision, events ...EventData) (AppendResult, error)
	// ReadStream reads one stream. A stream that was never written returns
	// ErrStreamNotFound.
	ReadStream(ctx context.Context, stream string, opts ReadStreamOptions) ([]RecordedEvent, error)
	// ReadAll reads the global log in order, strictly after the given
	// position, at most limit events (limit <= 0 means a backend default).
	ReadAll(ctx context.Context, after Position, limit int) ([]RecordedEvent, error)
	// Subscribe yields every event strictly after the given position in global
	// order: first those already stored (catch-up), then new ones as they are
	// appended (live), with none missed and none repeated across the
	// hand-off. It ends when ctx is done (yielding ctx.Err()) or on a failure.
	Subscribe(ctx context.Context, after Position) iter.Seq2[RecordedEvent, error]
	// HeadPosition is the position of the last event in the global log, or
	// Start when the log is empty.
	HeadPosition(ctx context.Context) (Position, error)
	// Close releases resources; in-flight appends finish first.
	Close() error
}

// EventData is an event to be appended.
type EventData struct {
	// ID is a UUIDv7 chosen by the writer; it is also the idempotency key.
	ID uuid.UUID
	// Type is the stable type name, e.g. "assessment.entry-level-set".
	Type string
	// SchemaVersion of Data; older versions are upcast on read.
	SchemaVersion int
	// Data is the JSON payload.
	Data []byte
	// Metadata travels with the event; RecordedAt is set by the store.
	Metadata Metadata
}

// Metadata says who caused an event, for whom and when.
type Metadata struct {
	Tenant        string    `json:"tenant"`                 // huvudman
	ActorID       string    `json:"actor_id,omitempty"`     // opaque person id, never a personal identity number
	ActorRole     string    `json:"actor_role,omitempty"`   // admin, principal, mentor, teacher, student, guardian, system
	OnBehalfOf    string    `json:"on_behalf_of,omitempty"` // when an admin acts for someone
	CorrelationID string    `json:"correlation_id,omitempty"`
	CausationID   string    `json:"causation_id,omitempty"`
	RequestID     string    `json:"request_id,omitempty"` // client/request id, e.g. an Idempotency-Key
	RecordedAt    time.Time `json:"recorded_at"`          // transaction time, from the store's clock, UTC
	// Tamper evidence, set by the store: the hash of this event's content
	// and the content hash of the previous event in its stream ("" for the
	// first). See chain.go.
	ContentHash string `json:"content_hash,omitempty"`
	PrevHash    string `json:"prev_hash,omitempty"`
}

// RecordedEvent is an event as stored.
type RecordedEvent struct {
	EventData
	Stream   string
	Revision uint64 // 0-based position within the stream
	Position Position
}

// AppendResult is what a successful append returns.
type AppendResult struct {
	Revision uint64   // the stream's revision after the append (of its last event)
	Position Position // global position of the last appended event
}

// Position is a place in the global log. It is ordered but opaque and may be
// sparse (KurrentDB's commit positions are byte offsets): compare positions,
// never compute the next one. Start is before every event.
type Position struct {
	Commit  uint64
	Prepare uint64
}

// Start is the position before the first event: reads and subscriptions
// "after Start" begin with the first event.
var Start = Position{}

// IsStart reports whether p is Start.
func (p Position) IsStart() bool { return p == Start }

// Before reports whether p comes strictly before q in the global log.
func (p Position) Before(q Position) bool {
	if p.Commit != q.Commit {
		return p.Commit < q.Commit
	}
	return p.Prepare < q.Prepare
}

// String encodes p as "commit/prepare"; ParsePosition reverses it.
func (p Position) String() string {
	b := strconv.AppendUint(make([]byte, 0, 24), p.Commit, 10)
	return string(strconv.AppendUint(append(b, '/'), p.Prepare, 10))
}

// ParsePosition parses the output of Position.String.
func ParsePosition(s string) (Position, error) {
	var p Position
	if _, err := fmt.Sscanf(s, "%d/%d", &p.Commit, &p.Prepare); err != nil {
		return Start, fmt.Errorf("parse position %q: %w", s, err)
	}
	if p.String() != s {
		return Start, fmt.Errorf("parse position %q: trailing or malformed input", s)
	}
	return p, nil
}

// ReadStreamOptions selects part of a stream.
type ReadStreamOptions struct {
	From      uint64 // first revision to read (inclusive); ignored when FromEnd
	FromEnd   bool   // start at the last event (useful with Backwards)
	Backwards bool   // read towards revision 0
	Limit     int    // at most this many events; <= 0 means all
}

// ExpectedRevision is what a writer believes about a stream before appending.
type ExpectedRevision struct {
	kind     expectKind
	revision uint64
}

type expectKind uint8

const (
	expectAny expectKind = iota
	expectNoStream
	expectStreamExists
	expectExact
)

// Any accepts the stream in any state.
func Any() ExpectedRevision { return ExpectedRevision{kind: expectAny} }

// NoStream requires that the stream has never been written.
func NoStream() ExpectedRevision { return ExpectedRevision{kind: expectNoStream} }

// StreamExists requires that the stream has at least one event.
func StreamExists() ExpectedRevision { return ExpectedRevision{kind: expectStreamExists} }

// Exact requires that the stream's last event has revision r.
func Exact(r uint64) ExpectedRevision { return ExpectedRevision{kind: expectExact, revision: r} }

// IsAny, IsNoStream, IsStreamExists and ExactRevision let adapters map the
// expectation onto their backend.
func (e ExpectedRevision) IsAny() bool          { return e.kind == expectAny }
func (e ExpectedRevision) IsNoStream() bool     { return e.kind == expectNoStream }
func (e ExpectedRevision) IsStreamExists() bool { return e.kind == expectStreamExists }

// ExactRevision returns the expected revision and true for an Exact expectation.
func (e ExpectedRevision) ExactRevision() (uint64, bool) {
	return e.revision, e.kind == expectExact
}

// Matches reports whether a stream in the given state satisfies e. exists is
// false for a stream that was never written; current is its last revision.
func (e ExpectedRevision) Matches(exists bool, current uint64) bool {
	switch e.kind {
	case expectNoStream:
		return !exists
	case expectStreamExists:
		return exists
	case expectExact:
		return exists && current == e.revision
	default:
		return true
	}
}

func (e ExpectedRevision) String() string {
	switch e.kind {
	case expectNoStream:
		return "no stream"
	case expectStreamExists:
		return "stream exists"
	case expectExact:
		return fmt.Sprintf("revision %d", e.revision)
	default:
		return "any"
	}
}

// ConflictError is returned when a stream does not match the expected
// revision. Exists is false when the stream has no events; Actual is then 0.
type ConflictError struct {
	Stream   string
	Expected ExpectedRevision
	Exists   bool
	Actual   uint64
}

func (e *ConflictError) Error() string {
	actual := "no stream"
	if e.Exists {
		actual = fmt.Sprintf("revision %d", e.Actual)
	}
	return fmt.Sprintf("stream %q: expected %s, found %s", e.Stream, e.Expected, actual)
}

// AsConflict returns the *ConflictError in err's chain, if any.
func AsConflict(err error) (*ConflictError, bool) {
	var c *ConflictError
	ok := errors.As(err, &c)
	return c, ok
}

// Sentinel errors.
var (
	// ErrStreamNotFound: ReadStream of a stream that was never written.
	ErrStreamNotFound = errors.New("eventstore: stream not found")
	// ErrIDReused: an event id is already stored, but not as the same append
	// (other stream, order or partial overlap), so this is not a retry.
	ErrIDReused = errors.New("eventstore: event id already used by another append")
	// ErrInvalid: the append itself is malformed (no events, empty type,
	// nil id, invalid JSON, stream name empty or starting with '$').
	ErrInvalid = errors.New("eventstore: invalid append")
	// ErrUnavailable: the backend cannot take writes right now (disk full,
	// closed, not reachable); the caller may retry later.
	ErrUnavailable = errors.New("eventstore: unavailable")
)

// Clock gives the store's notion of now; tests inject a fixed one.
type Clock func() time.Time

// ValidateAppend checks what every backend must refuse before writing.
func ValidateAppend(stream string, events []EventData) error {
	if stream == "" || stream[0] == '$' {
		return fmt.Errorf("%w: stream name %q is empty or reserved", ErrInvalid, stream)
	}
	if len(events) == 0 {
		return fmt.Errorf("%w: no events", ErrInvalid)
	}
	seen := make(map[uuid.UUID]struct{}, len(events))
	for i, ev := range events {
		if ev.ID == uuid.Nil {
			return fmt.Errorf("%w: event %d has no id", ErrInvalid, i)
		}
		if _, dup := seen[ev.ID]; dup {
			return fmt.Errorf("%w: event id %s appears twice", ErrInvalid, ev.ID)
		}
		seen[ev.ID] = struct{}{}
		if ev.Type == "" {
			return fmt.Errorf("%w: event %d has no type", ErrInvalid, i)
		}
		if ev.SchemaVersion < 1 {
			return fmt.Errorf("%w: event %d has schema version %d", ErrInvalid, i, ev.SchemaVersion)
		}
		if !json.Valid(ev.Data) {
			return fmt.Errorf("%w: event %d data is not JSON", ErrInvalid, i)
		}
	}
	return nil
}

// NewEventID returns a fresh UUIDv7: time-ordered, so ids sort roughly by
// creation, and unique enough to serve as idempotency keys.
func NewEventID() uuid.UUID { return uuid.Must(uuid.NewV7()) }
