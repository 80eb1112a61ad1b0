package kurrent

import (
	"context"
	"fmt"
	"iter"

	"github.com/EventStore/EventStore-Client-Go/v4/esdb"

	"github.com/iup-platform/iup/eventstore"
)

// notSystemStream is the server-side filter of subscriptions: streams whose
// name does not start with '$'. Filtered subscriptions also bring
// checkpoints, so a long run of system events is not silence.
var notSystemStream = &esdb.SubscriptionFilter{Type: esdb.StreamFilterType, Regex: "^[^$]"}

// Subscribe implements eventstore.Store with a catch-up subscription to
// $all. It always names where to start: without a position SubscribeToAll
// starts at the end of the log. When the server drops the subscription it
// resubscribes after the last event it delivered, never after a
// checkpoint: KurrentDB starts a subscription after the first event it
// finds at or after the given position, which is exact only for a position
// that is an event's, and a checkpoint's need not be (the one sent on
// catching up is the end of the log). A duplicate across the resubscription
// is skipped by position, so none is delivered twice.
func (s *Store) Subscribe(ctx context.Context, after eventstore.Position) iter.Seq2[eventstore.RecordedEvent, error] {
	return func(yield func(eventstore.RecordedEvent, error) bool) {
		last := after
		failures := 0
		for {
			err := s.subscribeOnce(ctx, &last, &failures, yield)
			if err == errStop {
				return
			}
			if ctx.Err() != nil {
				yield(eventstore.RecordedEvent{}, fmt.Errorf("kurrent event store: subscribe: %w", ctx.Err()))
				return
			}
			if !transient(err) {
				yield(eventstore.RecordedEvent{}, mapErr("subscribe", err))
				return
			}
			if c, cerr := s.conn(); cerr != nil {
				yield(eventstore.RecordedEvent{}, cerr)
				return
			} else if staleConnection(err, failures) {
				s.renew(c)
			}
			s.log.Warn("kurrent event store: subscription dropped, resubscribing", "after", last.String(), "failures", failures+1, "err", err)
			if err := sleep(ctx, s.retry.delay(failures)); err != nil {
				yield(eventstore.RecordedEvent{}, fmt.Errorf("kurrent event store: subscribe: %w", err))
				return
			}
			failures++
		}
	}
}

// subscribeOnce runs one subscription until it drops (the error says why)
// or the consumer stops (errStop). failures is reset by any sign of life.
func (s *Store) subscribeOnce(ctx context.Context, last *eventstore.Position, failures *int,
	yield func(eventstore.RecordedEvent, error) bool) error {
	c, err := s.conn()
	if err != nil {
		return err
	}
	opts := esdb.SubscribeToAllOptions{From: esdb.Start{}, Filter: notSystemStream}
	if !last.IsStart() {
		opts.From = fromPosition(*last)
	}
	sub, err := c.SubscribeToAll(ctx, opts)
	if err != nil {
		return err
	}
	defer func() { _ = sub.Close() }()
	for {
		msg := sub.Recv()
		switch {
		case msg.SubscriptionDropped != nil:
			return msg.SubscriptionDropped.Error
		case msg.CheckPointReached != nil, msg.CaughtUp != nil, msg.FellBehind != nil:
			*failures = 0
		case msg.EventAppeared != nil:
			*failures = 0
			rec := msg.EventAppeared.OriginalEvent()
			pos := toPosition(rec.Position)
			if !last.IsStart() && !last.Before(pos) {
				continue // already delivered
			}
			if isSystem(rec) {
				continue // e.g. a tombstone in a user stream; the filter sees only names
			}
			ev, err := decode(rec)
			if err != nil {
				yield(eventstore.RecordedEvent{}, err)
				return errStop
			}
			if !yield(ev, nil) {
				return errStop
			}
			*last = pos
		}
	}
}
