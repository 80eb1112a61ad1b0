// Package sqlite is the embedded event store: one SQLite file in WAL mode,
// written by a single writer goroutine that commits concurrent appends in
// groups (one transaction, one fsync per group) and read by a separate pool
// of connections that never block the writer.
//
// One process should own the file. A second writer on it stays correct (the
// writer notices its commits and re-reads stream revisions), but its commits
// reach this process's subscriptions only at the next local commit or poll
// (every two seconds).
package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/iup-platform/iup/eventstore"

	_ "modernc.org/sqlite" // registers the "sqlite" driver, pure Go (no cgo)
)

// Store is the SQLite event store. It implements eventstore.Store.
type Store struct {
	clock    eventstore.Clock
	maxBatch int

	writer *sql.DB // exactly one connection, used only by the writer goroutine
	reader *sql.DB // WAL readers: see a committed prefix, never block the writer
	read   readStmts
	cache  *streamCache
	lock   *os.File // held while open with WithSoleWriter
	path   string

	// mu guards closed; Append holds it shared while handing a request to
	// the writer, so Close (exclusive) knows no request can arrive later.
	mu      sync.RWMutex
	closed  bool
	reqs    chan *appendRequest
	probes  chan probe
	done    chan struct{} // closed when Close begins: wakes subscribers
	stopped chan struct{} // closed when the writer goroutine has exited

	notify atomic.Pointer[chan struct{}]

	stats   counters
	metrics *metrics
}

// Option configures Open.
type Option func(*config)

type config struct {
	clock        eventstore.Clock
	maxBatch     int
	readConns    int
	streamCache  int
	soleWriter   bool
	extraPragmas []string // tests only: e.g. max_page_count to provoke SQLITE_FULL
}

// WithSoleWriter makes this Store the only one that appends to the file
// while it is open: Open takes an exclusive lock beside the file (and fails
// when another process holds it), and then the stream cache, which the
// writer keeps up to date with every commit, answers reads of a cached
// stream without asking the file whether more was appended. `iupd serve`
// opens its store so; processes that share a file (`iupd api` replicas)
// do not, and pay one index seek per read of a cached stream.
func WithSoleWriter() Option { return func(cfg *config) { cfg.soleWriter = true } }

// WithClock sets the clock that stamps RecordedAt (stored in UTC).
func WithClock(c eventstore.Clock) Option { return func(cfg *config) { cfg.clock = c } }

// WithMaxBatch caps how many append requests share one transaction.
func WithMaxBatch(n int) Option {
	return func(cfg *config) {
		if n > 0 {
			cfg.maxBatch = n
		}
	}
}

// WithReadConns sets the size of the read pool.
func WithReadConns(n int) Option {
	return func(cfg *config) {
		if n > 0 {
			cfg.readConns = n
		}
	}
}

// WithStreamCache sets how many bytes of recently read streams are kept
// (see streamCache); 0 keeps none.
func WithStreamCache(bytes int) Option {
	return func(cfg *config) {
		if bytes >= 0 {
			cfg.streamCache = bytes
		}
	}
}

// DefaultStreamCache holds the hot streams of a busy school year (courses,
// rounds, the entries being written) with room to spare.
const DefaultStreamCache = 32 << 20

// Open opens (or creates) the event store in the SQLite file at path,
// creating its directory and the schema when missing.
func Open(path string, opts ...Option) (*Store, error) {
	cfg := config{clock: time.Now, maxBatch: 128, readConns: 4, streamCache: DefaultStreamCache}
	for _, o := range opts {
		o(&cfg)
	}
	if path == "" {
		return nil, fmt.Errorf("sqlite event store: empty path")
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return nil, fmt.Errorf("sqlite event store: %w: %w", eventstore.ErrUnavailable, err)
	}
	var lock *os.File
	if cfg.soleWriter {
		var err error
		if lock, err = lockWriter(path); err != nil {
			return nil, err
		}
	}
	writer, err := sql.Open("sqlite", dsn(path, true, cfg.extraPragmas))
	if err != nil {
		unlockWriter(lock)
		return nil, fmt.Errorf("sqlite event store: open writer: %w", err)
	}
	writer.SetMaxOpenConns(1)
	writer.SetMaxIdleConns(1)
	writer.SetConnMaxLifetime(0)
	writer.SetConnMaxIdleTime(0)
	if err := migrate(writer); err != nil {
		_ = writer.Close()
		unlockWriter(lock)
		return nil, err
	}
	reader, err := sql.Open("sqlite", dsn(path, false, cfg.extraPragmas))
	if err != nil {
		_ = writer.Close()
		unlockWriter(lock)
		return nil, fmt.Errorf("sqlite event store: open readers: %w", err)
	}
	reader.SetMaxOpenConns(cfg.readConns)
	reader.SetMaxIdleConns(cfg.readConns)
	read, err := prepareReads(reader)
	if err != nil {
		_ = reader.Close()
		_ = writer.Close()
		unlockWriter(lock)
		return nil, err
	}

	s := &Store{
		clock:    cfg.clock,
		maxBatch: cfg.maxBatch,
		writer:   writer,
		reader:   reader,
		read:     read,
		cache:    newStreamCache(cfg.streamCache, lock != nil),
		lock:     lock,
		path:     path,
		reqs:     make(chan *appendRequest, cfg.maxBatch),
		probes:   make(chan probe),
		done:     make(chan struct{}),
		stopped:  make(chan struct{}),
		metrics:  newMetrics(),
	}
	ch := make(chan struct{})
	s.notify.Store(&ch)
	w, err := newWriter(s)
	if err != nil {
		_ = read.close()
		_ = reader.Close()
		_ = writer.Close()
		unlockWriter(lock)
		return nil, err
	}
	go w.run()
	return s, nil
}

// dsn builds the connection string. The pragmas travel in it (as _pragma
// parameters) because database/sql opens connections lazily: only then does
// every pooled connection get them, including ones opened after a reconnect.
func dsn(path string, writer bool, extra []string) string {
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "journal_mode(WAL)")
	// FULL: the WAL is fsynced at every commit, so an acknowledged append
	// survives power loss, not just a process crash.
	q.Add("_pragma", "synchronous(FULL)")
	q.Add("_pragma", "foreign_keys(1)")
	// Freed pages are overwritten with zeros, so nothing deleted from the
	// file (checkpoint rows, rewritten indexes) lingers in its free space.
	q.Add("_pragma", "secure_delete(ON)")
	for _, p := range extra {
		q.Add("_pragma", p)
	}
	if writer {
		// Take the write lock at BEGIN, so a transaction never has to be
		// upgraded (and fail with SQLITE_BUSY) halfway.
		q.Set("_txlock", "immediate")
	} else {
		q.Add("_pragma", "query_only(1)")
	}
	return "file:" + (&url.URL{Path: path}).EscapedPath() + "?" + q.Encode()
}

// Ping checks that the store can be read.
func (s *Store) Ping(ctx context.Context) error {
	var n int
	if err := s.reader.QueryRowContext(ctx, `SELECT count(*) FROM (SELECT 1 FROM streams LIMIT 1)`).Scan(&n); err != nil {
		return fmt.Errorf("sqlite event store: ping: %w", mapErr(err))
	}
	return nil
}

// Writable checks that the store can take the write lock right now (BEGIN
// IMMEDIATE; ROLLBACK on the writer connection, between two group commits).
func (s *Store) Writable(ctx context.Context) error {
	return s.onWriter(ctx, (*writer).probe)
}

// probe is work run on the writer goroutine between two group commits.
type probe struct {
	fn    func(*writer) error
	reply chan error
}

func (s *Store) onWriter(ctx context.Context, fn func(*writer) error) error {
	p := probe{fn: fn, reply: make(chan error, 1)}
	s.mu.RLock()
	if s.closed {
		s.mu.RUnlock()
		return errClosed
	}
	select {
	case s.probes <- p:
		s.mu.RUnlock()
	case <-ctx.Done():
		s.mu.RUnlock()
		return ctx.Err()
	}
	select {
	case err := <-p.reply:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// HeadPosition is the position of the last committed event, or Start. It
// is read from the file (max of the rowid: one B-tree step), so it is what
// readers see, also when another process appends to the same file.
func (s *Store) HeadPosition(ctx context.Context) (eventstore.Position, error) {
	var head sql.NullInt64
	if err := s.read.head.QueryRowContext(ctx).Scan(&head); err != nil {
		return eventstore.Start, readErr(ctx, err)
	}
	return toPosition(head.Int64), nil
}

// Close stops taking appends, lets the ones already handed to the writer
// commit, then closes both connection pools. Subscriptions end.
func (s *Store) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	close(s.reqs)
	close(s.done)
	s.mu.Unlock()
	<-s.stopped
	err := errors.Join(s.read.close(), s.reader.Close(), s.writer.Close())
	unlockWriter(s.lock)
	return err
}

var errClosed = fmt.Errorf("sqlite event store: %w: closed", eventstore.ErrUnavailable)

// headChanged returns a channel closed at the next commit. Taking it before
// a read and waiting on it after means no commit can slip in unnoticed.
func (s *Store) headChanged() <-chan struct{} { return *s.notify.Load() }

// published wakes everyone waiting for a commit.
func (s *Store) published() {
	ch := make(chan struct{})
	old := s.notify.Swap(&ch)
	close(*old)
}

func toPosition(n int64) eventstore.Position {
	return eventstore.Position{Commit: uint64(n), Prepare: uint64(n)}
}

// afterRowid is the largest position not strictly after p: events with a
// greater position come after p in the global log.
func afterRowid(p eventstore.Position) int64 {
	c := p.Commit
	if p.Prepare < p.Commit {
		c-- // (c, c) is after (c, p) when p < c
	}
	if c > 1<<63-1 {
		return 1<<63 - 1
	}
	return int64(c)
}
