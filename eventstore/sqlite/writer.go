package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"runtime"

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
	// shared is the writer lock of a Store opened without WithSoleWriter,
	// taken on its first append (see lockShared).
	shared *os.File

	lookupID, readStream, upsertStream, insertEvent, lastChain *sql.Stmt
	beginTx, commitTx, rollback, dataVersion                   *sql.Stmt
	savepoint, release, rollbackTo                             *sql.Stmt

	// digest is the chained digest at the last committed event.
	digest string
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
		{&w.readStream, `SELECT revision, last_hash FROM streams WHERE stream = ?`},
		{&w.upsertStream, `INSERT INTO streams (stream, revision, last_hash) VALUES (?, ?, ?)
			ON CONFLICT (stream) DO UPDATE SET revision = excluded.revision, last_hash = excluded.last_hash`},
		{&w.insertEvent, `INSERT INTO events (event_id, stream, revision, type, schema_version, data, metadata, recorded_at, append_first, append_last, chain)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`},
		{&w.lastChain, `SELECT chain FROM events ORDER BY position DESC LIMIT 1`},
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
	defer func() { unlockWriter(w.shared) }()
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

// streamState is a stream's revision as seen inside the open transaction,
// with its last event's content hash, which the next event links to.
type streamState struct {
	exists   bool
	revision uint64
	hash     string
}

// commit runs a batch in one transaction. Each request is checked against
// the stream's state as left by the requests before it, so optimistic
// concurrency is exactly as strict as with one transaction per append. A
// request that fails (conflict, reused id, cancelled) is refused before it
// writes or rolled back to its savepoint, and answered alone; only a failure
// of the transaction itself (disk full, I/O) fails the whole batch.
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
	if w.s.lock == nil && w.shared == nil {
		f, err := lockShared(w.s.path)
		if err != nil {
			failAll(err)
			return
		}
		w.shared = f
	}
	if err := w.begin(); err != nil {
		failAll(err)
		return
	}
	now := w.s.clock().UTC()
	state := make(map[string]streamState)
	written, events := 0, 0
	var appended map[string][]eventstore.RecordedEvent // for the stream cache
	if w.s.cache.complete {
		appended = map[string][]eventstore.RecordedEvent{}
	}
	digest := w.digest // the chain as this batch extends it; kept only if it commits
	for i, req := range batch {
		if err := req.ctx.Err(); err != nil {
			replies[i].err = err // nothing written for it
			continue
		}
		out := w.apply(req, state, now, &digest)
		if out.broken { // the transaction itself failed: nothing of it may commit
			_, _ = w.rollback.ExecContext(w.ctx)
			failAll(out.err)
			return
		}
		replies[i] = appendReply{res: out.res, err: out.err}
		if out.fresh {
			written++
			events += len(req.events)
			if appended != nil {
				appended[req.stream] = append(appended[req.stream], out.recorded...)
			}
		}
	}
	if _, err := w.commitTx.ExecContext(w.ctx); err != nil {
		_, _ = w.rollback.ExecContext(w.ctx)
		failAll(fmt.Errorf("sqlite event store: commit: %w", mapErr(err)))
		return
	}
	w.digest = digest
	if len(w.revs)+len(state) > maxCachedStreams {
		clear(w.revs)
	}
	for stream, st := range state {
		w.revs[stream] = st
	}
	// Before the answers: whoever reads after an append returned sees it.
	w.s.cache.committed(appended)
	if written > 0 {
		w.s.stats.record(written, events)
		w.s.metrics.record(written, events)
		w.s.published()
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
		// The chain's head is read again too: another connection may have
		// appended (and extended it) since.
		switch err := w.lastChain.QueryRowContext(w.ctx).Scan(&w.digest); err {
		case nil:
		case sql.ErrNoRows:
			w.digest = ""
		default:
			_, _ = w.rollback.ExecContext(w.ctx)
			return fmt.Errorf("sqlite event store: read chain head: %w", mapErr(err))
		}
	}
	return nil
}
