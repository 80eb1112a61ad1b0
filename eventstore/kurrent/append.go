package kurrent

import (
	"context"
	"fmt"
	"time"

	"github.com/EventStore/EventStore-Client-Go/v4/esdb"

	"github.com/iup-platform/iup/eventstore"
)

// maxChainAttempts bounds how often an Any / StreamExists append re-reads
// the stream's end after losing the race to another writer.
const maxChainAttempts = 64

// Append implements eventstore.Store.
func (s *Store) Append(ctx context.Context, stream string, expected eventstore.ExpectedRevision, events ...eventstore.EventData) (eventstore.AppendResult, error) {
	if err := eventstore.ValidateAppend(stream, events); err != nil {
		return eventstore.AppendResult{}, err
	}
	if err := ctx.Err(); err != nil {
		return eventstore.AppendResult{}, fmt.Errorf("kurrent event store: append: %w", err)
	}
	if err := s.indexRequest(ctx, stream, expected, events); err != nil {
		return eventstore.AppendResult{}, err
	}
	now := s.clock().UTC()
	if expected.IsNoStream() {
		return s.appendAt(ctx, stream, expected, esdb.NoStream{}, 0, "", now, events)
	}
	if rev, ok := expected.ExactRevision(); ok {
		// The hash of the event the caller expects to follow. If it is not
		// there, the server refuses the append and the conflict says why.
		prev, _, err := s.eventAt(ctx, stream, rev)
		if err != nil {
			return eventstore.AppendResult{}, err
		}
		return s.appendAt(ctx, stream, expected, esdb.Revision(rev), rev+1, prev.Metadata.ContentHash, now, events)
	}
	return s.appendAtEnd(ctx, stream, expected, now, events)
}

// appendAtEnd serves Any and StreamExists: chain on the stream's last event
// and append at exactly its revision; another writer in between makes the
// server refuse, and the adapter reads the new end and tries again.
func (s *Store) appendAtEnd(ctx context.Context, stream string, expected eventstore.ExpectedRevision, now time.Time, events []eventstore.EventData) (eventstore.AppendResult, error) {
	for attempt := 0; ; attempt++ {
		last, found, err := s.lastEvent(ctx, stream)
		if err != nil {
			return eventstore.AppendResult{}, err
		}
		if !found && expected.IsStreamExists() {
			return eventstore.AppendResult{}, &eventstore.ConflictError{Stream: stream, Expected: expected}
		}
		if found && last.ID == events[len(events)-1].ID {
			// Our last event is the stream's last: an earlier try of this
			// append was written (its answer lost), so answer as it would have.
			return s.alreadyWritten(ctx, stream, last, events)
		}
		var expect esdb.ExpectedRevision = esdb.NoStream{}
		first, prev := uint64(0), ""
		if found {
			expect, first, prev = esdb.Revision(last.Revision), last.Revision+1, last.Metadata.ContentHash
		}
		res, err := s.send(ctx, stream, expect, first, prev, now, events)
		if code(err) != esdb.ErrorCodeWrongExpectedVersion {
			return res, err
		}
		if attempt+1 >= maxChainAttempts {
			return eventstore.AppendResult{}, fmt.Errorf("kurrent event store: append to %s: %w: the stream kept moving (%d attempts)",
				stream, eventstore.ErrUnavailable, attempt+1)
		}
		if err := sleep(ctx, s.retry.delay(min(attempt, 3))); err != nil {
			return eventstore.AppendResult{}, fmt.Errorf("kurrent event store: append: %w", err)
		}
	}
}

// alreadyWritten checks that the stream ends with exactly events (same ids,
// same order) and returns that append's result; anything else means the
// ids were used by another append.
func (s *Store) alreadyWritten(ctx context.Context, stream string, last eventstore.RecordedEvent, events []eventstore.EventData) (eventstore.AppendResult, error) {
	tail, err := s.readStream(ctx, stream, esdb.ReadStreamOptions{Direction: esdb.Backwards, From: esdb.End{}}, uint64(len(events)))
	if err != nil {
		return eventstore.AppendResult{}, err
	}
	for i, ev := range tail {
		if want := events[len(events)-1-i]; ev.ID != want.ID {
			return eventstore.AppendResult{}, fmt.Errorf("%w: event %s ends stream %s but %s is not before it", eventstore.ErrIDReused, last.ID, stream, want.ID)
		}
	}
	if len(tail) != len(events) {
		return eventstore.AppendResult{}, fmt.Errorf("%w: stream %s is shorter than the append", eventstore.ErrIDReused, stream)
	}
	return eventstore.AppendResult{Revision: last.Revision, Position: commitOnly(last.Position)}, nil
}

// appendAt sends an append whose expectation the caller chose; a refusal
// becomes a ConflictError with the stream's actual revision.
func (s *Store) appendAt(ctx context.Context, stream string, expected eventstore.ExpectedRevision, expect esdb.ExpectedRevision,
	first uint64, prev string, now time.Time, events []eventstore.EventData) (eventstore.AppendResult, error) {
	res, err := s.send(ctx, stream, expect, first, prev, now, events)
	if code(err) != esdb.ErrorCodeWrongExpectedVersion {
		return res, err
	}
	return eventstore.AppendResult{}, s.conflict(ctx, stream, expected)
}

// conflict reads the stream's actual revision: the v4.2.0 client carries it
// only inside an error message, which is not a contract.
func (s *Store) conflict(ctx context.Context, stream string, expected eventstore.ExpectedRevision) error {
	last, found, err := s.lastEvent(ctx, stream)
	if err != nil {
		return fmt.Errorf("kurrent event store: append to %s refused (%s), reading its revision: %w", stream, expected, err)
	}
	return &eventstore.ConflictError{Stream: stream, Expected: expected, Exists: found, Actual: last.Revision}
}

// send encodes and appends, resending after transient failures: the
// expectation is exact and the ids are the same, so the server writes the
// events once however often they arrive.
func (s *Store) send(ctx context.Context, stream string, expect esdb.ExpectedRevision, first uint64, prev string,
	now time.Time, events []eventstore.EventData) (eventstore.AppendResult, error) {
	msgs, err := encode(stream, first, prev, now, events)
	if err != nil {
		return eventstore.AppendResult{}, err
	}
	var wr *esdb.WriteResult
	err = s.do(ctx, "append", func(c *esdb.Client) error {
		var err error
		wr, err = c.AppendToStream(ctx, stream, esdb.AppendToStreamOptions{ExpectedRevision: expect}, msgs...)
		return err
	})
	if err != nil {
		return eventstore.AppendResult{}, err
	}
	return eventstore.AppendResult{Revision: wr.NextExpectedVersion, Position: eventstore.Position{Commit: wr.CommitPosition, Prepare: wr.CommitPosition}}, nil
}

// commitOnly is the position an append reports for its last event: the
// server answers with the commit position in both fields (see
// kurrenttest/append.go), and every event KurrentDB writes today has
// prepare == commit.
func commitOnly(p eventstore.Position) eventstore.Position {
	return eventstore.Position{Commit: p.Commit, Prepare: p.Commit}
}
