package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"iter"
	"math"
	"time"

	"github.com/google/uuid"

	"github.com/iup-platform/iup/eventstore"
)

const (
	defaultReadLimit = 1000
	subscribePage    = 500
	pollInterval     = 2 * time.Second
	eventColumns     = `position, event_id, stream, revision, type, schema_version, data, metadata, recorded_at`
)

// ReadStream reads one stream; see eventstore.Store.
//
// A read from a given revision (every fold reads from 0) is one query: if it
// finds events, the stream exists in that same snapshot. Only an empty result,
// or a forward read from the end, asks for the stream's revision first, and
// then reads as of it.
func (s *Store) ReadStream(ctx context.Context, stream string, opts eventstore.ReadStreamOptions) ([]eventstore.RecordedEvent, error) {
	limit := int64(-1) // SQLite: no limit
	if opts.Limit > 0 {
		limit = int64(opts.Limit)
	}
	if opts.From > math.MaxInt64 && !opts.FromEnd && !opts.Backwards {
		// Past any revision: still an error for a missing stream.
		if _, err := s.streamRevision(ctx, stream); err != nil {
			return nil, err
		}
		return []eventstore.RecordedEvent{}, nil
	}
	from := int64(math.MaxInt64) // backwards from the end
	if !opts.FromEnd && opts.From <= math.MaxInt64 {
		from = int64(opts.From)
	}
	forward := !opts.Backwards && !opts.FromEnd
	var gen uint64 // commits seen before the file is read: see streamCache
	if forward {
		if n, ok := s.cache.head(stream); ok && uint64(from) >= n {
			return []eventstore.RecordedEvent{}, nil // past the end of a stream that exists
		}
		evs, ok, g, err := s.readCached(ctx, stream, from, limit)
		if ok || err != nil {
			return evs, err
		}
		gen = g
	}
	if opts.Backwards || !opts.FromEnd {
		evs, err := s.readFrom(ctx, stream, from, limit, opts.Backwards)
		whole := limit < 0 || int64(len(evs)) < limit
		if err == nil && from == 0 && !opts.Backwards && (whole || !s.cache.complete) {
			// (A sole writer's cache holds whole streams: a page that
			// may stop short of the end is not one.)
			s.cache.extend(stream, nil, evs, gen)
		}
		if err == nil && forward && whole && len(evs) > 0 {
			s.cache.sawHead(stream, uint64(from)+uint64(len(evs)), gen)
		}
		if err != nil || len(evs) > 0 {
			return evs, err
		}
	}
	last, err := s.streamRevision(ctx, stream)
	if err != nil {
		return nil, err
	}
	if forward {
		s.cache.sawHead(stream, uint64(last)+1, gen)
	}
	if opts.FromEnd && !opts.Backwards {
		from = last
	}
	return s.readFrom(ctx, stream, from, limit, opts.Backwards)
}

// readCached serves a forward read from the stream cache when it holds the
// stream's start up to at least from: what the cache lacks is read from the
// file and added. ok is false when the cache cannot help.
func (s *Store) readCached(ctx context.Context, stream string, from, limit int64) (evs []eventstore.RecordedEvent, ok bool, gen uint64, err error) {
	base, whole, gen := s.cache.prefix(stream)
	end := int64(len(base))
	if end == 0 || from > end {
		return nil, false, gen, nil
	}
	if limit >= 0 && from+limit <= end {
		return copyEvents(base[from : from+limit]), true, gen, nil // stored events never change
	}
	if whole { // the sole writer keeps it whole: nothing more to ask for
		return copyEvents(base[from:]), true, gen, nil
	}
	rest := int64(-1)
	if limit >= 0 {
		rest = from + limit - end
	}
	more, err := s.query(ctx, s.read.forward, rest, stream, end)
	if err != nil {
		return nil, true, gen, err
	}
	s.cache.extend(stream, base, more, gen)
	return append(copyEvents(base[from:]), more...), true, gen, nil
}

// streamRevision is the revision of the stream's last event, or
// ErrStreamNotFound.
func (s *Store) streamRevision(ctx context.Context, stream string) (int64, error) {
	var last int64
	err := s.read.streamRev.QueryRowContext(ctx, stream).Scan(&last)
	if err == sql.ErrNoRows {
		return 0, fmt.Errorf("%w: %q", eventstore.ErrStreamNotFound, stream)
	}
	if err != nil {
		return 0, readErr(ctx, err)
	}
	return last, nil
}

func (s *Store) readFrom(ctx context.Context, stream string, from, limit int64, backwards bool) ([]eventstore.RecordedEvent, error) {
	if backwards {
		return s.query(ctx, s.read.backward, limit, stream, from)
	}
	return s.query(ctx, s.read.forward, limit, stream, from)
}

// ReadAll reads the global log strictly after the given position.
func (s *Store) ReadAll(ctx context.Context, after eventstore.Position, limit int) ([]eventstore.RecordedEvent, error) {
	if limit <= 0 {
		limit = defaultReadLimit
	}
	return s.query(ctx, s.read.all, int64(limit), afterRowid(after))
}

// query runs stmt and decodes at most limit events (all when limit < 0).
func (s *Store) query(ctx context.Context, stmt *sql.Stmt, limit int64, args ...any) ([]eventstore.RecordedEvent, error) {
	rows, err := stmt.QueryContext(ctx, args...)
	if err != nil {
		return nil, readErr(ctx, err)
	}
	defer rows.Close()
	out := []eventstore.RecordedEvent{}
	// Stream and type names repeat: share one string per distinct name.
	names := map[string]string{}
	intern := func(b []byte) string {
		if s, ok := names[string(b)]; ok {
			return s
		}
		s := string(b)
		names[s] = s
		return s
	}
	for (limit < 0 || int64(len(out)) < limit) && rows.Next() {
		var (
			ev                  eventstore.RecordedEvent
			pos, rev, at        int64
			id, stream, typ, md sql.RawBytes // valid until Next: decoded below
		)
		if err := rows.Scan(&pos, &id, &stream, &rev, &typ, &ev.SchemaVersion, &ev.Data, &md, &at); err != nil {
			return nil, readErr(ctx, err)
		}
		if ev.ID, err = uuid.FromBytes(id); err != nil {
			return nil, fmt.Errorf("sqlite event store: event at %d: bad id: %w", pos, err)
		}
		if ev.Metadata, err = decodeMetadata(md, at); err != nil {
			return nil, fmt.Errorf("sqlite event store: event at %d: bad metadata: %w", pos, err)
		}
		ev.Stream, ev.Type = intern(stream), intern(typ)
		ev.Revision = uint64(rev)
		ev.Position = toPosition(pos)
		out = append(out, ev)
	}
	if err := rows.Err(); err != nil {
		return nil, readErr(ctx, err)
	}
	return out, nil
}

// readErr prefers the caller's ctx error, which SQLite reports as an
// interrupt, over the driver's wording.
func readErr(ctx context.Context, err error) error {
	if ctxErr := ctx.Err(); ctxErr != nil {
		return ctxErr
	}
	return fmt.Errorf("sqlite event store: read: %w", mapErr(err))
}

// Subscribe yields every event strictly after the given position: it reads
// pages from the read pool until it is caught up, then waits for the writer's
// next commit and reads again after the last event it delivered. Reading
// after the last delivered position, never from a pushed copy, is what makes
// the hand-off from catch-up to live free of gaps and duplicates.
func (s *Store) Subscribe(ctx context.Context, after eventstore.Position) iter.Seq2[eventstore.RecordedEvent, error] {
	return func(yield func(eventstore.RecordedEvent, error) bool) {
		pos := toPosition(afterRowid(after))
		for {
			// Take the wake-up channel before reading: a commit after the read
			// closes this very channel, so the wait below cannot miss it.
			changed := s.headChanged()
			if err := ctx.Err(); err != nil {
				yield(eventstore.RecordedEvent{}, err)
				return
			}
			page, err := s.ReadAll(ctx, pos, subscribePage)
			if err != nil {
				yield(eventstore.RecordedEvent{}, err)
				return
			}
			for _, ev := range page {
				if !yield(ev, nil) {
					return
				}
				pos = ev.Position
			}
			if len(page) == subscribePage {
				continue // more to catch up on
			}
			poll := time.NewTimer(pollInterval)
			select {
			case <-changed:
			case <-poll.C: // commits by another process on the file wake no one
			case <-ctx.Done():
				yield(eventstore.RecordedEvent{}, ctx.Err())
				return
			case <-s.done:
				yield(eventstore.RecordedEvent{}, errClosed)
				return
			}
			poll.Stop()
		}
	}
}
