// Package bus carries the event log from the forwarder to the projectors
// over watermill: GoChannel in the embedded default, Redis Streams in
// distributed mode. A message holds a run of consecutive events of the
// global log and the position of the event before the run, so a consumer
// checks order against its own checkpoint instead of trusting the
// transport.
package bus

import (
	"errors"
	"fmt"

	"github.com/ThreeDotsLabs/watermill"
	"github.com/ThreeDotsLabs/watermill/message"
	gojson "github.com/goccy/go-json"

	"github.com/iup-platform/iup/eventstore"
)

// Topic is the stream (Redis) or topic (GoChannel) of the global log.
const Topic = "iup.events"

// Metadata keys of a message.
const (
	metaPrev = "prev" // position of the event before the first of the run
	metaLast = "last" // position of the last event of the run
)

// Batch is the content of one message: events in log order, Prev the
// position of the event just before Events[0] (Start for the first event).
type Batch struct {
	Prev   eventstore.Position
	Events []eventstore.RecordedEvent
}

// Last is the position of the batch's last event.
func (b Batch) Last() eventstore.Position {
	if len(b.Events) == 0 {
		return b.Prev
	}
	return b.Events[len(b.Events)-1].Position
}

// Encode turns a batch into a watermill message.
func Encode(b Batch) (*message.Message, error) {
	if len(b.Events) == 0 {
		return nil, errors.New("bus: empty batch")
	}
	for i := 1; i < len(b.Events); i++ {
		if !b.Events[i-1].Position.Before(b.Events[i].Position) {
			return nil, fmt.Errorf("bus: batch out of log order at %s", b.Events[i].Position)
		}
	}
	payload, err := gojson.Marshal(b.Events)
	if err != nil {
		return nil, fmt.Errorf("bus: encode batch: %w", err)
	}
	msg := message.NewMessage(watermill.NewUUID(), payload)
	msg.Metadata.Set(metaPrev, b.Prev.String())
	msg.Metadata.Set(metaLast, b.Last().String())
	return msg, nil
}

// Decode reads a batch back from a message.
func Decode(msg *message.Message) (Batch, error) {
	prev, err := eventstore.ParsePosition(msg.Metadata.Get(metaPrev))
	if err != nil {
		return Batch{}, fmt.Errorf("bus: message %s: %w", msg.UUID, err)
	}
	var events []eventstore.RecordedEvent
	// Every projector decodes every message: go-json, whose bytes and
	// values are encoding/json's (TestMessagesAreEncodingJSONs), at a
	// few times its speed.
	if err := gojson.Unmarshal(msg.Payload, &events); err != nil {
		return Batch{}, fmt.Errorf("bus: message %s: %w", msg.UUID, err)
	}
	if len(events) == 0 {
		return Batch{}, fmt.Errorf("bus: message %s carries no events", msg.UUID)
	}
	b := Batch{Prev: prev, Events: events}
	if last := msg.Metadata.Get(metaLast); last != b.Last().String() {
		return Batch{}, fmt.Errorf("bus: message %s: last position %s does not match its events", msg.UUID, last)
	}
	return b, nil
}

// LastOf returns the position of a message's last event from its metadata
// alone (the forwarder reads it from the stream's newest entry).
func LastOf(msg *message.Message) (eventstore.Position, error) {
	return eventstore.ParsePosition(msg.Metadata.Get(metaLast))
}
