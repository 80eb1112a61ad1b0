package sqlite

import (
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/iup-platform/iup/eventstore"
)

// outcome is what apply did with one request. broken means the error left
// the transaction unusable, so everything in it must roll back; otherwise err
// belongs to this request alone. fresh means new events were written (a
// retry answers with the stored result and writes nothing).
type outcome struct {
	res    eventstore.AppendResult
	err    error
	fresh  bool
	broken bool
	// recorded are the events written, as a read returns them, when the
	// stream cache keeps streams whole (a sole writer).
	recorded []eventstore.RecordedEvent
}

func failed(err error) outcome { return outcome{err: err, broken: true} }

// current is the stream's state inside the open transaction: as earlier
// requests of the batch left it, else as committed.
func (w *writer) current(stream string, state map[string]streamState) (streamState, error) {
	if st, ok := state[stream]; ok {
		return st, nil
	}
	if st, ok := w.revs[stream]; ok {
		return st, nil
	}
	var st streamState
	var rev int64
	var hash string
	switch err := w.readStream.QueryRowContext(w.ctx, stream).Scan(&rev, &hash); err {
	case nil:
		st = streamState{exists: true, revision: uint64(rev), hash: hash}
	case sql.ErrNoRows:
	default:
		return st, fmt.Errorf("sqlite event store: read stream: %w", mapErr(err))
	}
	w.revs[stream] = st // committed state: the batch has not touched this stream
	return st, nil
}

// apply writes one request inside the open transaction. The happy path costs
// one INSERT per event and one stream upsert: stored ids are found by the
// UNIQUE index refusing them, and only then looked up.
func (w *writer) apply(req *appendRequest, state map[string]streamState, now time.Time, digest *string) outcome {
	cur, err := w.current(req.stream, state)
	if err != nil {
		return failed(err)
	}
	if !req.expected.Matches(cur.exists, cur.revision) {
		// A retry of an append that committed finds the stream moved on.
		if res, found, err := w.retried(req); err != nil && !found {
			return failed(err)
		} else if found {
			return outcome{res: res, err: err}
		}
		return outcome{err: &eventstore.ConflictError{
			Stream: req.stream, Expected: req.expected, Exists: cur.exists, Actual: cur.revision,
		}}
	}
	first := uint64(0)
	if cur.exists {
		first = cur.revision + 1
	}
	lastRev := first + uint64(len(req.events)) - 1
	// One event needs no savepoint: if its INSERT fails, nothing was written.
	multi := len(req.events) > 1
	if multi {
		if _, err := w.savepoint.ExecContext(w.ctx); err != nil {
			return failed(fmt.Errorf("sqlite event store: savepoint: %w", mapErr(err)))
		}
	}
	before := *digest
	var recorded []eventstore.RecordedEvent
	record := &recorded
	if !w.s.cache.complete {
		record = nil
	}
	pos, lastHash, err := w.insert(req, cur.hash, first, lastRev, now, digest, record)
	if err != nil {
		*digest = before // nothing of this request stays, so neither does its part of the chain
		if !isConstraint(err) || !strings.Contains(err.Error(), "events.event_id") {
			return failed(fmt.Errorf("sqlite event store: append: %w", mapErr(err)))
		}
		if multi {
			if _, rerr := w.rollbackTo.ExecContext(w.ctx); rerr != nil {
				return failed(fmt.Errorf("sqlite event store: rollback to savepoint: %w", mapErr(rerr)))
			}
			if _, rerr := w.release.ExecContext(w.ctx); rerr != nil {
				return failed(fmt.Errorf("sqlite event store: release savepoint: %w", mapErr(rerr)))
			}
		}
		// An id is stored: a retry if all of them are exactly one stored
		// append, else a reuse.
		res, found, rerr := w.retried(req)
		switch {
		case rerr != nil && !found:
			return failed(rerr)
		case found:
			return outcome{res: res, err: rerr}
		default:
			return outcome{err: fmt.Errorf("%w: %w", eventstore.ErrIDReused, err)}
		}
	}
	if multi {
		if _, err := w.release.ExecContext(w.ctx); err != nil {
			return failed(fmt.Errorf("sqlite event store: release savepoint: %w", mapErr(err)))
		}
	}
	// The stream row follows its events; the foreign key is checked at commit.
	if _, err := w.upsertStream.ExecContext(w.ctx, req.stream, int64(lastRev), lastHash); err != nil {
		return failed(fmt.Errorf("sqlite event store: update stream: %w", mapErr(err)))
	}
	state[req.stream] = streamState{exists: true, revision: lastRev, hash: lastHash}
	return outcome{res: eventstore.AppendResult{Revision: lastRev, Position: toPosition(pos)}, fresh: true, recorded: recorded}
}

// insert writes the request's events, each linked to the previous event of
// its stream by hash and folded into the global chain (see eventstore/chain.go).
// When recorded is not nil, each event is added to it as a read returns it.
func (w *writer) insert(req *appendRequest, prevHash string, first, lastRev uint64, now time.Time, digest *string, recorded *[]eventstore.RecordedEvent) (int64, string, error) {
	var pos int64
	for i, ev := range req.events {
		rev := first + uint64(i)
		ev.Metadata.RecordedAt = now
		ev.Metadata.ContentHash, ev.Metadata.PrevHash = "", prevHash
		ev.Metadata.ContentHash = eventstore.ContentHash(req.stream, rev, ev)
		prevHash = ev.Metadata.ContentHash
		*digest = eventstore.ChainNext(*digest, ev.Metadata.ContentHash)
		w.mdBuf = appendMetadata(w.mdBuf[:0], ev.Metadata)
		res, err := w.insertEvent.ExecContext(w.ctx, ev.ID[:], req.stream, int64(rev), ev.Type,
			ev.SchemaVersion, ev.Data, string(w.mdBuf), now.UnixNano(), int64(first), int64(lastRev), *digest)
		if err != nil {
			return 0, "", err
		}
		if pos, err = res.LastInsertId(); err != nil {
			return 0, "", err
		}
		if recorded != nil {
			// The metadata as the file now holds it, decoded as a read
			// decodes it, so the cached event equals a read one.
			md, err := decodeMetadata(w.mdBuf, now.UnixNano())
			if err != nil {
				return 0, "", err
			}
			ev.Metadata = md // its Data is copied into the cache, once
			*recorded = append(*recorded, eventstore.RecordedEvent{EventData: ev, Stream: req.stream, Revision: rev, Position: toPosition(pos)})
		}
	}
	return pos, prevHash, nil
}

// retried reports whether the request's first event id is stored. If so,
// the request is a retry only when all its ids are stored as exactly one
// earlier append (same stream, consecutive, same order, nothing more or
// less); that append's result is returned. Anything else is ErrIDReused.
// An error with found false means the lookup itself failed.
// An error with found false means the lookup itself failed.
func (w *writer) retried(req *appendRequest) (eventstore.AppendResult, bool, error) {
	var res eventstore.AppendResult
	var firstRev, firstOfAppend, lastOfAppend int64
	for i, ev := range req.events {
		var stream string
		var rev, pos, af, al int64
		err := w.lookupID.QueryRowContext(w.ctx, ev.ID[:]).Scan(&stream, &rev, &pos, &af, &al)
		if err == sql.ErrNoRows {
			if i == 0 {
				return res, false, nil
			}
			return res, true, fmt.Errorf("%w: event %s is new but %s is stored", eventstore.ErrIDReused, ev.ID, req.events[0].ID)
		}
		if err != nil {
			return res, false, fmt.Errorf("sqlite event store: look up event id: %w", mapErr(err))
		}
		if i == 0 {
			firstRev, firstOfAppend, lastOfAppend = rev, af, al
		}
		if stream != req.stream || rev != firstRev+int64(i) || af != firstOfAppend || al != lastOfAppend {
			return res, true, fmt.Errorf("%w: event %s is stored as part of another append", eventstore.ErrIDReused, ev.ID)
		}
		res = eventstore.AppendResult{Revision: uint64(rev), Position: toPosition(pos)}
	}
	if firstRev != firstOfAppend || res.Revision != uint64(lastOfAppend) {
		return eventstore.AppendResult{}, true, fmt.Errorf("%w: the stored append has other events too", eventstore.ErrIDReused)
	}
	return res, true, nil
}
