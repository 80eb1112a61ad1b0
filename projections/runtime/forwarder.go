package runtime

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"

	"github.com/iup-platform/iup/eventstore"
	"github.com/iup-platform/iup/projections/bus"
)

// Publisher is the bus side the forwarder writes to.
type Publisher interface {
	Publish(topic string, msgs ...*message.Message) error
}

// Forwarder publishes the event store's global log to the bus, in order,
// from its own checkpoint. Events already waiting are packed into one
// message (up to a batch), so a busy log costs fewer round trips.
type Forwarder struct {
	events eventstore.Store
	pub    Publisher
	from   func(context.Context) (eventstore.Position, error)
	log    *slog.Logger
	// MaxBatch caps the events of one message (default 256).
	MaxBatch int
}

// NewForwarder returns a forwarder that starts after the position from
// returns: the projections' lowest checkpoint in the embedded mode
// (Runtime.Low), the stream's last entry in the Redis mode.
func NewForwarder(events eventstore.Store, pub Publisher, from func(context.Context) (eventstore.Position, error), logger *slog.Logger) (*Forwarder, error) {
	if events == nil || pub == nil || from == nil {
		return nil, errors.New("forwarder: event store, publisher and start position are required")
	}
	if logger == nil {
		logger = slog.Default()
	}
	return &Forwarder{events: events, pub: pub, from: from, log: logger.With("component", "forwarder"), MaxBatch: 256}, nil
}

// Run forwards until ctx ends (returning nil) or the log fails.
func (f *Forwarder) Run(ctx context.Context) error {
	prev, err := f.from(ctx)
	if err != nil {
		return fmt.Errorf("forwarder: start position: %w", err)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	type item struct {
		ev  eventstore.RecordedEvent
		err error
	}
	ch := make(chan item, f.MaxBatch)
	go func() {
		defer close(ch)
		for ev, err := range f.events.Subscribe(ctx, prev) {
			select {
			case ch <- item{ev, err}:
			case <-ctx.Done():
				return
			}
			if err != nil {
				return
			}
		}
	}()
	for {
		var first item
		var ok bool
		select {
		case <-ctx.Done():
			return nil
		case first, ok = <-ch:
		}
		if !ok || first.err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("forwarder: subscription ended: %w", first.err)
		}
		batch := bus.Batch{Prev: prev, Events: []eventstore.RecordedEvent{first.ev}}
		var failed error
	more:
		for len(batch.Events) < f.MaxBatch {
			select {
			case it, ok := <-ch:
				if !ok || it.err != nil {
					failed = it.err
					break more
				}
				batch.Events = append(batch.Events, it.ev)
			default:
				break more
			}
		}
		if err := f.publish(ctx, batch); err != nil {
			return nil // ctx ended
		}
		prev = batch.Last()
		if failed != nil && ctx.Err() == nil {
			return fmt.Errorf("forwarder: subscription ended: %w", failed)
		}
	}
}

// publish retries until the bus takes the batch or ctx ends.
func (f *Forwarder) publish(ctx context.Context, b bus.Batch) error {
	msg, err := bus.Encode(b)
	if err != nil {
		return err
	}
	for pause := 50 * time.Millisecond; ; pause = min(2*pause, 5*time.Second) {
		if err := f.pub.Publish(bus.Topic, msg); err == nil {
			return nil
		} else {
			f.log.Warn("publishing to the bus failed, will retry", "err", err)
		}
		if err := sleep(ctx, pause); err != nil {
			return err
		}
		msg = msg.Copy()
	}
}
