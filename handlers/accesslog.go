package handlers

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/iup-platform/iup/domain"
	"github.com/iup-platform/iup/eventstore"
	"github.com/iup-platform/iup/handlers/policy"
)

// AccessEntry is one read of a student's records: who read what, when.
type AccessEntry struct {
	Tenant     string      `json:"-"`
	At         time.Time   `json:"at"`
	ActorID    string      `json:"actor_id"`
	Role       domain.Role `json:"role"`
	What       string      `json:"what"`   // plan, assessment, conference, conference-record, home, term-snapshot, ...
	Object     string      `json:"object"` // the record's id
	StudentID  string      `json:"student_id"`
	RequestID  string      `json:"request_id,omitempty"`
	OnBehalfOf string      `json:"on_behalf_of,omitempty"`
}

// AccessSink stores the read access log, append-only, per tenant, apart
// from the event store's aggregate streams.
type AccessSink interface {
	Append(ctx context.Context, entries []AccessEntry) error
	// Read returns the newest limit entries of a student in tenant,
	// newest first.
	Read(ctx context.Context, tenant, studentID string, limit int) ([]AccessEntry, error)
	Close() error
}

// AccessLogOptions tune the batching; zero values take the defaults.
type AccessLogOptions struct {
	// Batch: flush once this many entries wait (default 32,768). Interval:
	// or this long after the last flush (default 1s). A flush writes one
	// event per student read, so under load the number of events written is
	// bounded by the students read per Interval, not by the reads: a
	// mentor overview queues an entry per mentee, and with flushes of 256
	// entries the writer appended nearly one event per entry and fell
	// behind (BENCHMARKS.md "Load"). What a crash can lose is at most one
	// Interval of entries.
	Batch    int
	Interval time.Duration
	Buffer   int // entries queued before a read waits (default 65,536)
	// Wait is how long a read waits for room in a full queue before it
	// fails with 503 rather than being served unlogged (default 1s).
	Wait time.Duration
}

// ErrAccessLogFull is a read refused because the access log's queue stayed
// full for the whole wait: the writer cannot keep up, and a read is never
// served without its entry. It answers 503 (it wraps
// eventstore.ErrUnavailable). See docs/decisions.md §16.
var ErrAccessLogFull = fmt.Errorf("read access log: queue full: %w", eventstore.ErrUnavailable)

// AccessLog batches entries to its sink off the request path: a read only
// queues its entry; a writer goroutine flushes every Batch entries or
// Interval, and on Close.
type AccessLog struct {
	sink   AccessSink
	logger *slog.Logger
	opts   AccessLogOptions
	in     chan accessItem
	done   chan struct{}
	once   sync.Once
	mu     sync.RWMutex // guards closed against Record after Close
	closed bool
}

// accessItem is an entry, or (flush set) a request to flush now.
type accessItem struct {
	entry AccessEntry
	flush chan error
}

// NewAccessLog starts the writer.
func NewAccessLog(sink AccessSink, logger *slog.Logger, o AccessLogOptions) *AccessLog {
	if o.Batch <= 0 {
		o.Batch = 32_768
	}
	if o.Interval <= 0 {
		o.Interval = time.Second
	}
	if o.Buffer <= 0 {
		o.Buffer = 65_536
	}
	if o.Wait <= 0 {
		o.Wait = time.Second
	}
	l := &AccessLog{sink: sink, logger: logger, opts: o, in: make(chan accessItem, o.Buffer), done: make(chan struct{})}
	go l.run()
	return l
}

// Record queues one entry, waiting at most the log's Wait for room.
func (l *AccessLog) Record(e AccessEntry) error {
	return l.RecordBy(e, time.Now().Add(l.opts.Wait))
}

// RecordBy queues one entry, waiting for room in a full queue until
// deadline at the latest; then it gives up with ErrAccessLogFull, so the
// read fails rather than being served without its entry.
func (l *AccessLog) RecordBy(e AccessEntry, deadline time.Time) error {
	l.mu.RLock()
	defer l.mu.RUnlock()
	if l.closed {
		l.logger.Error("read access after the access log closed", "what", e.What)
		return fmt.Errorf("read access log: closed: %w", eventstore.ErrUnavailable)
	}
	select {
	case l.in <- accessItem{entry: e}:
		return nil
	default:
	}
	wait := time.Until(deadline)
	if wait <= 0 {
		return ErrAccessLogFull
	}
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case l.in <- accessItem{entry: e}:
		return nil
	case <-t.C:
		return ErrAccessLogFull
	}
}

// Flush writes everything queued so far.
func (l *AccessLog) Flush(ctx context.Context) error {
	ch := make(chan error, 1)
	l.mu.RLock()
	if l.closed {
		l.mu.RUnlock()
		return nil
	}
	l.in <- accessItem{flush: ch}
	l.mu.RUnlock()
	select {
	case err := <-ch:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Close flushes what is queued and closes the sink.
func (l *AccessLog) Close() error {
	var err error
	l.once.Do(func() {
		l.mu.Lock()
		l.closed = true
		close(l.in)
		l.mu.Unlock()
		<-l.done
		err = l.sink.Close()
	})
	return err
}

func (l *AccessLog) run() {
	defer close(l.done)
	tick := time.NewTicker(l.opts.Interval)
	defer tick.Stop()
	batch := make([]AccessEntry, 0, l.opts.Batch)
	write := func() error {
		if len(batch) == 0 {
			return nil
		}
		// The sink must not lose a batch because a request hung up.
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		err := l.sink.Append(ctx, batch)
		if err != nil {
			l.logger.Error("read access log: batch not written", "entries", len(batch), "err", err)
		}
		batch = batch[:0]
		return err
	}
	for {
		select {
		case it, ok := <-l.in:
			if !ok {
				_ = write()
				return
			}
			if it.flush != nil {
				it.flush <- write()
				continue
			}
			batch = append(batch, it.entry)
			if len(batch) >= l.opts.Batch {
				_ = write()
			}
		case <-tick.C:
			_ = write()
		}
	}
}

// logRead records that the caller read a student's record. A read that
// logs many students (a mentor overview logs each mentee) shares one wait
// for room in the queue; once an entry could not be queued the read fails
// (runRead returns q.logErr) and the rest are not tried.
func (a *API) logRead(q *query, what, object, studentID string) {
	if q.logErr != nil {
		return
	}
	if q.logBy.IsZero() {
		q.logBy = time.Now().Add(a.reads.access.opts.Wait)
	}
	p := principal(q.r)
	q.logErr = a.reads.access.RecordBy(AccessEntry{Tenant: p.Tenant, At: q.Now, ActorID: p.Subject, Role: p.Role,
		What: what, Object: object, StudentID: studentID, RequestID: q.r.Header.Get(RequestIDHeader)}, q.logBy)
}

// accessLogRead serves GET /v1/access-log?student=: admins only.
func (a *API) accessLogRead(ctx context.Context, q *query) (any, error) {
	who := principal(q.r)
	if err := allowed(policy.AccessLog(who)); err != nil {
		return nil, err
	}
	student := q.r.URL.Query().Get("student")
	if err := domain.CheckID("student", student); err != nil {
		return nil, badQuery("student", "Name the student: ?student=<student id>.")
	}
	// The student must be one of the organiser's: another tenant's admin
	// learns nothing.
	if err := allowed(a.reads.policy.Student(ctx, who, student, q.Day)); err != nil {
		return nil, err
	}
	limit := 100
	if s := q.r.URL.Query().Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 1000 {
			return nil, badQuery("limit", "must be a number from 1 to 1000")
		}
		limit = n
	}
	if err := a.reads.access.Flush(ctx); err != nil {
		return nil, fmt.Errorf("flush the access log: %w", err)
	}
	entries, err := a.reads.access.sink.Read(ctx, who.Tenant, student, limit)
	if err != nil {
		return nil, fmt.Errorf("read the access log: %w", err)
	}
	if entries == nil {
		entries = []AccessEntry{}
	}
	return map[string]any{"student_id": student, "entries": entries}, nil
}

// MemoryAccessSink keeps the access log in memory: for tests, and for a
// service started without a file for it.
type MemoryAccessSink struct {
	mu      sync.Mutex
	entries []AccessEntry
}

// NewMemoryAccessSink returns an empty in-memory sink.
func NewMemoryAccessSink() *MemoryAccessSink { return &MemoryAccessSink{} }

// Append adds entries.
func (m *MemoryAccessSink) Append(_ context.Context, es []AccessEntry) error {
	m.mu.Lock()
	m.entries = append(m.entries, es...)
	m.mu.Unlock()
	return nil
}

// Read returns the newest limit entries of a student, newest first.
func (m *MemoryAccessSink) Read(_ context.Context, tenant, student string, limit int) ([]AccessEntry, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []AccessEntry
	for _, e := range slices.Backward(m.entries) {
		if e.Tenant == tenant && e.StudentID == student && len(out) < limit {
			out = append(out, e)
		}
	}
	return out, nil
}

// Close does nothing.
func (m *MemoryAccessSink) Close() error { return nil }
