package kurrent

import (
	"context"
	"errors"
	"fmt"

	"github.com/EventStore/EventStore-Client-Go/v4/esdb"

	"github.com/iup-platform/iup/eventstore"
)

const defaultReadLimit = 1000

// ReadStream implements eventstore.Store.
func (s *Store) ReadStream(ctx context.Context, stream string, opts eventstore.ReadStreamOptions) ([]eventstore.RecordedEvent, error) {
	count := uint64(unlimited)
	if opts.Limit > 0 {
		count = uint64(opts.Limit)
	}
	ro := esdb.ReadStreamOptions{Direction: esdb.Forwards, From: esdb.Revision(opts.From)}
	if opts.Backwards {
		ro.Direction = esdb.Backwards
	}
	if opts.FromEnd {
		// Forwards from KurrentDB's end is "nothing yet"; the port means
		// "the last event", which is the first one read backwards.
		ro.From = esdb.End{}
		if !opts.Backwards {
			ro.Direction, count = esdb.Backwards, 1
		}
	}
	out, err := s.readStream(ctx, stream, ro, count)
	if err != nil {
		return nil, err
	}
	return out, nil
}

// readStream reads and decodes part of a stream; a stream that was never
// written (or was deleted) is eventstore.ErrStreamNotFound.
func (s *Store) readStream(ctx context.Context, stream string, ro esdb.ReadStreamOptions, count uint64) ([]eventstore.RecordedEvent, error) {
	var out []eventstore.RecordedEvent
	err := s.do(ctx, "read stream", func(c *esdb.Client) error {
		out = []eventstore.RecordedEvent{}
		rs, err := c.ReadStream(ctx, stream, ro, count)
		if err != nil {
			return err
		}
		return eachEvent(rs, func(ev *esdb.RecordedEvent) error {
			rec, err := decode(ev)
			if err != nil {
				return err
			}
			out = append(out, rec)
			return nil
		})
	})
	switch code(err) {
	case esdb.ErrorCodeResourceNotFound, esdb.ErrorCodeStreamDeleted:
		return nil, fmt.Errorf("%w: %q", eventstore.ErrStreamNotFound, stream)
	}
	return out, err
}

// lastEvent reads the stream's last event; found is false for a stream that
// does not exist.
func (s *Store) lastEvent(ctx context.Context, stream string) (eventstore.RecordedEvent, bool, error) {
	evs, err := s.readStream(ctx, stream, esdb.ReadStreamOptions{Direction: esdb.Backwards, From: esdb.End{}}, 1)
	if isNotFound(err) {
		return eventstore.RecordedEvent{}, false, nil
	}
	if err != nil || len(evs) == 0 {
		return eventstore.RecordedEvent{}, false, err
	}
	return evs[0], true, nil
}

// eventAt reads the event at revision rev, if the stream has it.
func (s *Store) eventAt(ctx context.Context, stream string, rev uint64) (eventstore.RecordedEvent, bool, error) {
	evs, err := s.readStream(ctx, stream, esdb.ReadStreamOptions{Direction: esdb.Forwards, From: esdb.Revision(rev)}, 1)
	if isNotFound(err) {
		return eventstore.RecordedEvent{}, false, nil
	}
	if err != nil || len(evs) == 0 || evs[0].Revision != rev {
		return eventstore.RecordedEvent{}, false, err
	}
	return evs[0], true, nil
}

// ReadAll implements eventstore.Store. KurrentDB reads $all from a position
// inclusively and returns system events too, so the adapter asks for one
// more, drops what is not strictly after the position, skips system events
// and reads on until it has limit events or the log ends: an empty page
// must mean the end, not a run of system events.
func (s *Store) ReadAll(ctx context.Context, after eventstore.Position, limit int) ([]eventstore.RecordedEvent, error) {
	if limit <= 0 {
		limit = defaultReadLimit
	}
	out := make([]eventstore.RecordedEvent, 0, min(limit, defaultReadLimit))
	from := after
	for len(out) < limit {
		want := uint64(limit - len(out) + 1)
		var page []eventstore.RecordedEvent
		var read uint64
		err := s.do(ctx, "read all", func(c *esdb.Client) error {
			page, read = page[:0], 0
			opts := esdb.ReadAllOptions{Direction: esdb.Forwards, From: esdb.Start{}}
			if !from.IsStart() {
				opts.From = fromPosition(from)
			}
			rs, err := c.ReadAll(ctx, opts, want)
			if err != nil {
				return err
			}
			return eachEvent(rs, func(rec *esdb.RecordedEvent) error {
				read++
				pos := toPosition(rec.Position)
				if !from.IsStart() && !from.Before(pos) {
					return nil // the event at the position itself
				}
				if isSystem(rec) {
					page = append(page, eventstore.RecordedEvent{Position: pos}) // only moves the cursor
					return nil
				}
				dec, err := decode(rec)
				if err != nil {
					return err
				}
				page = append(page, dec)
				return nil
			})
		})
		if err != nil {
			return nil, err
		}
		for _, ev := range page {
			from = ev.Position
			if ev.Stream != "" {
				out = append(out, ev)
			}
		}
		if read < want {
			break // the log ends here
		}
	}
	return out, nil
}

func isNotFound(err error) bool {
	return err != nil && errors.Is(err, eventstore.ErrStreamNotFound)
}

// eachEvent calls fn with each event of a read until the read ends, fn
// returns errStop, or either fails; it closes the read.
func eachEvent(rs *esdb.ReadStream, fn func(*esdb.RecordedEvent) error) error {
	defer rs.Close()
	for {
		ev, err := rs.Recv()
		if isEOF(err) {
			return nil
		}
		if err != nil {
			return err
		}
		if err := fn(ev.OriginalEvent()); err != nil {
			if errors.Is(err, errStop) {
				return nil
			}
			return err
		}
	}
}
