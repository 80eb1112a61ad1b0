package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"runtime"
	"strings"
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
	beginTx, commitTx, rollback, dataVersion        *sql.Stmt
	savepoint, release, rollbackTo                  *sql.Stmt

	// revs caches committed stream revisions: this goroutine is the only
	// writer, so after a commit it knows them without asking SQLite.
	revs    map[string]streamState
	version int64 // PRAGMA data_version at the last transaction
	mdBuf   []byte
}

func newWriter(s *Store) (*writer, error) {
	ctx := context.Background()
	conn, err := s.writer.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("sqlite event store: writer connection: %w", mapErr(err))
	}
	w := &writer{s: s, ctx: ctx, conn: conn, revs: make(map[string]streamState), version: -1}
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
		{&w.beginTx, `BEGIN IMMEDIATE`},
		{&w.commitTx, `COMMIT`},
		{&w.rollback, `ROLLBACK`},
		{&w.dataVersion, `PRAGMA data_version`},
		{&w.savepoint, `SAVEPOINT append`},
		{&w.release, `RELEASE append`},
		{&w.rollbackTo, `ROLLBACK TO append`},
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
	yielded := false
	for len(batch) < w.s.maxBatch {
		select {
		case req, ok := <-w.s.reqs:
			if !ok {
				return batch
			}
			batch = append(batch, req)
		default:
			if yielded {
				return batch
			}
			// Let appenders that were just answered queue their next request:
			// one more in this batch is one fsync less.
			runtime.Gosched()
			yielded = true
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
	if err := w.begin(); err != nil {
		failAll(err)
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
			_, _ = w.rollback.ExecContext(w.ctx)
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
	if _, err := w.commitTx.ExecContext(w.ctx); err != nil {
		_, _ = w.rollback.ExecContext(w.ctx)
		failAll(fmt.Errorf("sqlite event store: commit: %w", mapErr(err)))
		return
	}
	if len(w.revs)+len(state) > maxCachedStreams {
		clear(w.revs)
	}
	for stream, st := range state {
		w.revs[stream] = st
	}
	if written > 0 {
		w.s.stats.record(written, events)
		w.s.metrics.record(written, events)
		w.s.published(last)
	}
	answer()
}

// maxCachedStreams bounds the writer's cache of stream revisions.
const maxCachedStreams = 100_000

// begin opens the batch's transaction. If another connection has committed
// since our last transaction (PRAGMA data_version changed: another process
// on the same file), the cached stream revisions may be stale and go.
func (w *writer) begin() error {
	if _, err := w.beginTx.ExecContext(w.ctx); err != nil {
		return fmt.Errorf("sqlite event store: begin: %w", mapErr(err))
	}
	var v int64
	if err := w.dataVersion.QueryRowContext(w.ctx).Scan(&v); err != nil {
		_, _ = w.rollback.ExecContext(w.ctx)
		return fmt.Errorf("sqlite event store: data version: %w", mapErr(err))
	}
	if v != w.version {
		clear(w.revs)
		w.version = v
	}
	return nil
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
	switch err := w.readStream.QueryRowContext(w.ctx, stream).Scan(&rev); err {
	case nil:
		st = streamState{exists: true, revision: uint64(rev)}
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
func (w *writer) apply(req *appendRequest, state map[string]streamState, now time.Time) outcome {
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
	pos, err := w.insert(req, first, lastRev, now)
	if err != nil {
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
	if _, err := w.upsertStream.ExecContext(w.ctx, req.stream, int64(lastRev)); err != nil {
		return failed(fmt.Errorf("sqlite event store: update stream: %w", mapErr(err)))
	}
	state[req.stream] = streamState{exists: true, revision: lastRev}
	return outcome{res: eventstore.AppendResult{Revision: lastRev, Position: toPosition(pos)}, fresh: true}
}

func (w *writer) insert(req *appendRequest, first, lastRev uint64, now time.Time) (int64, error) {
	var pos int64
	for i, ev := range req.events {
		md := ev.Metadata
		md.RecordedAt = now
		w.mdBuf = appendMetadata(w.mdBuf[:0], md)
		res, err := w.insertEvent.ExecContext(w.ctx, ev.ID[:], req.stream, int64(first)+int64(i), ev.Type,
			ev.SchemaVersion, ev.Data, string(w.mdBuf), now.UnixNano(), int64(first), int64(lastRev))
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
