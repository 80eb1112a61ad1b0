package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/iup-platform/iup/eventstore"
)

// appendRequest is one Append call waiting for the writer goroutine.
type appendRequest struct {
	ctx      context.Context
	stream   string
	expected eventstore.ExpectedRevision
	events   []eventstore.EventData
	reply    chan appendReply // buffered: the writer never waits for the caller
}

type appendReply struct {
	res eventstore.AppendResult
	err error
}

// Append validates the events, hands them to the writer goroutine and waits
// until their group has committed (fsynced) or failed.
func (s *Store) Append(ctx context.Context, stream string, expected eventstore.ExpectedRevision, events ...eventstore.EventData) (eventstore.AppendResult, error) {
	if err := eventstore.ValidateAppend(stream, events); err != nil {
		return eventstore.AppendResult{}, err
	}
	if err := ctx.Err(); err != nil {
		return eventstore.AppendResult{}, err
	}
	req := &appendRequest{ctx: ctx, stream: stream, expected: expected, events: events, reply: make(chan appendReply, 1)}
	s.mu.RLock()
	if s.closed {
		s.mu.RUnlock()
		return eventstore.AppendResult{}, errClosed
	}
	select {
	case s.reqs <- req:
		s.mu.RUnlock()
	case <-ctx.Done():
		s.mu.RUnlock()
		return eventstore.AppendResult{}, ctx.Err()
	}
	// Once handed over, wait for the answer even if ctx ends: the writer
	// skips a request whose ctx is done before it starts on it, and answers
	// truthfully about one it has already written.
	r := <-req.reply
	return r.res, r.err
}

// writer owns the single write connection and its prepared statements.
type writer struct {
	s    *Store
	ctx  context.Context // never cancelled: a caller's ctx must not abort a shared transaction
	conn *sql.Conn

	lookupID, readStream, upsertStream, insertEvent *sql.Stmt
}

func newWriter(s *Store) (*writer, error) {
	ctx := context.Background()
	conn, err := s.writer.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("sqlite event store: writer connection: %w", mapErr(err))
	}
	w := &writer{s: s, ctx: ctx, conn: conn}
	for _, p := range []struct {
		stmt **sql.Stmt
		sql  string
	}{
		{&w.lookupID, `SELECT stream, revision, position, append_first, append_last FROM events WHERE event_id = ?`},
		{&w.readStream, `SELECT revision FROM streams WHERE stream = ?`},
		{&w.upsertStream, `INSERT INTO streams (stream, revision) VALUES (?, ?)
			ON CONFLICT (stream) DO UPDATE SET revision = excluded.revision`},
		{&w.insertEvent, `INSERT INTO events (event_id, stream, revision, type, schema_version, data, metadata, recorded_at, append_first, append_last)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`},
	} {
		if *p.stmt, err = conn.PrepareContext(ctx, p.sql); err != nil {
			_ = conn.Close()
			return nil, fmt.Errorf("sqlite event store: prepare: %w", mapErr(err))
		}
	}
	return w, nil
}

// run is the writer goroutine: it takes every pending request (up to the
// max batch) and commits them together. Being the only writer is also what
// keeps the log's visibility ordered: transactions commit one after another,
// each with positions above all earlier ones, and a WAL reader's snapshot is
// always a prefix of the commits, so no reader can see a later event before
// an earlier one.
func (w *writer) run() {
	defer close(w.s.stopped)
	defer func() { _ = w.conn.Close() }()
	for {
		select {
		case req, ok := <-w.s.reqs:
			if !ok {
				return // closed and drained
			}
			w.commit(w.collect(req))
		case p := <-w.s.probes:
			p.reply <- p.fn(w)
		}
	}
}

func (w *writer) collect(first *appendRequest) []*appendRequest {
	batch := []*appendRequest{first}
	for len(batch) < w.s.maxBatch {
		select {
		case req, ok := <-w.s.reqs:
			if !ok {
				return batch
			}
			batch = append(batch, req)
		default:
			return batch
		}
	}
	return batch
}

func (w *writer) probe() error {
	if _, err := w.conn.ExecContext(w.ctx, `BEGIN IMMEDIATE`); err != nil {
		return fmt.Errorf("sqlite event store: not writable: %w", mapErr(err))
	}
	if _, err := w.conn.ExecContext(w.ctx, `ROLLBACK`); err != nil {
		return fmt.Errorf("sqlite event store: not writable: %w", mapErr(err))
	}
	return nil
}

// streamState is a stream's revision as seen inside the open transaction.
type streamState struct {
	exists   bool
	revision uint64
}

// commit runs a batch in one transaction. Each request is checked against
// the stream's state as left by the requests before it, so optimistic
// concurrency is exactly as strict as with one transaction per append; a
// request that fails is rolled back to its savepoint and answered alone.
func (w *writer) commit(batch []*appendRequest) {
	replies := make([]appendReply, len(batch))
	answer := func() {
		for i, req := range batch {
			req.reply <- replies[i]
		}
	}
	failAll := func(err error) {
		for i := range replies {
			if replies[i].err == nil {
				replies[i] = appendReply{err: err}
			}
		}
		answer()
	}
	if _, err := w.conn.ExecContext(w.ctx, `BEGIN IMMEDIATE`); err != nil {
		failAll(fmt.Errorf("sqlite event store: begin: %w", mapErr(err)))
		return
	}
	now := w.s.clock().UTC()
	state := make(map[string]streamState)
	written, events := 0, 0
	var last int64
	for i, req := range batch {
		if err := req.ctx.Err(); err != nil {
			replies[i].err = err // nothing written for it
			continue
		}
		out := w.apply(req, state, now)
		if out.broken { // the transaction itself failed: nothing of it may commit
			_, _ = w.conn.ExecContext(w.ctx, `ROLLBACK`)
			failAll(out.err)
			return
		}
		replies[i] = appendReply{res: out.res, err: out.err}
		if out.fresh {
			written++
			events += len(req.events)
			last = int64(out.res.Position.Commit)
		}
	}
	if _, err := w.conn.ExecContext(w.ctx, `COMMIT`); err != nil {
		_, _ = w.conn.ExecContext(w.ctx, `ROLLBACK`)
		failAll(fmt.Errorf("sqlite event store: commit: %w", mapErr(err)))
		return
	}
	if written > 0 {
		w.s.stats.record(written, events)
		w.s.metrics.record(written, events)
		w.s.published(last)
	}
	answer()
}

// outcome is what apply did with one request. broken means the error left
// the transaction unusable, so everything in it must roll back; otherwise err
// belongs to this request alone. fresh means new events were written (a
// retry answers with the stored result and writes nothing).
type outcome struct {
	res    eventstore.AppendResult
	err    error
	fresh  bool
	broken bool
}

func failed(err error) outcome { return outcome{err: err, broken: true} }

// apply writes one request inside the open transaction.
func (w *writer) apply(req *appendRequest, state map[string]streamState, now time.Time) outcome {
	// An id that is already stored makes this a retry (or a mistake), whatever
	// the expectation says: answer it before looking at revisions.
	if res, found, err := w.retried(req); err != nil && !found {
		return failed(err)
	} else if found {
		return outcome{res: res, err: err}
	}
	cur, ok := state[req.stream]
	if !ok {
		var rev int64
		switch err := w.readStream.QueryRowContext(w.ctx, req.stream).Scan(&rev); err {
		case nil:
			cur = streamState{exists: true, revision: uint64(rev)}
		case sql.ErrNoRows:
		default:
			return failed(fmt.Errorf("sqlite event store: read stream: %w", mapErr(err)))
		}
	}
	if !req.expected.Matches(cur.exists, cur.revision) {
		return outcome{err: &eventstore.ConflictError{
			Stream: req.stream, Expected: req.expected, Exists: cur.exists, Actual: cur.revision,
		}}
	}
	first := uint64(0)
	if cur.exists {
		first = cur.revision + 1
	}
	lastRev := first + uint64(len(req.events)) - 1
	if _, err := w.conn.ExecContext(w.ctx, `SAVEPOINT append`); err != nil {
		return failed(fmt.Errorf("sqlite event store: savepoint: %w", mapErr(err)))
	}
	pos, err := w.insert(req, first, lastRev, now)
	if err != nil {
		if !isConstraint(err) {
			return failed(fmt.Errorf("sqlite event store: append: %w", mapErr(err)))
		}
		// A later event's id is stored already (partial overlap with an
		// earlier append): only this request fails.
		if _, rerr := w.conn.ExecContext(w.ctx, `ROLLBACK TO append; RELEASE append`); rerr != nil {
			return failed(fmt.Errorf("sqlite event store: rollback to savepoint: %w", mapErr(rerr)))
		}
		return outcome{err: fmt.Errorf("%w: %w", eventstore.ErrIDReused, err)}
	}
	if _, err := w.conn.ExecContext(w.ctx, `RELEASE append`); err != nil {
		return failed(fmt.Errorf("sqlite event store: release savepoint: %w", mapErr(err)))
	}
	state[req.stream] = streamState{exists: true, revision: lastRev}
	return outcome{res: eventstore.AppendResult{Revision: lastRev, Position: toPosition(pos)}, fresh: true}
}

func (w *writer) insert(req *appendRequest, first, lastRev uint64, now time.Time) (int64, error) {
	if _, err := w.upsertStream.ExecContext(w.ctx, req.stream, int64(lastRev)); err != nil {
		return 0, err
	}
	var pos int64
	for i, ev := range req.events {
		md := ev.Metadata
		md.RecordedAt = now
		mdJSON, err := json.Marshal(md)
		if err != nil {
			return 0, err
		}
		res, err := w.insertEvent.ExecContext(w.ctx, ev.ID[:], req.stream, int64(first)+int64(i), ev.Type,
			ev.SchemaVersion, ev.Data, string(mdJSON), now.UnixNano(), int64(first), int64(lastRev))
		if err != nil {
			return 0, err
		}
		if pos, err = res.LastInsertId(); err != nil {
			return 0, err
		}
	}
	return pos, nil
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
