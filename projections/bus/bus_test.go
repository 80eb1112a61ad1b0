package bus_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/google/uuid"

	"github.com/iup-platform/iup/eventstore"
	"github.com/iup-platform/iup/projections/bus"
)

// batchAt is a one-event batch at position i (after i-1), as the forwarder
// would publish it; positions are sparse like KurrentDB's.
func batchAt(i int) bus.Batch {
	pos := func(i int) eventstore.Position {
		if i == 0 {
			return eventstore.Start
		}
		return eventstore.Position{Commit: uint64(i * 10), Prepare: uint64(i * 10)}
	}
	return bus.Batch{Prev: pos(i - 1), Events: []eventstore.RecordedEvent{{
		EventData: eventstore.EventData{ID: uuid.New(), Type: "test.event", SchemaVersion: 1, Data: []byte(`{}`)},
		Stream:    "s", Revision: uint64(i - 1), Position: pos(i),
	}}}
}

func publishAll(t *testing.T, pub interface {
	Publish(string, ...*message.Message) error
}, from, to int) {
	t.Helper()
	for i := from; i <= to; i++ {
		msg, err := bus.Encode(batchAt(i))
		if err != nil {
			t.Fatal(err)
		}
		if err := pub.Publish(bus.Topic, msg); err != nil {
			t.Fatalf("publish %d: %v", i, err)
		}
	}
}

// receive takes n messages from feed, acking each, and returns the index
// of each message's event.
func receive(t *testing.T, feed <-chan *message.Message, n int) []int {
	t.Helper()
	var got []int
	timeout := time.After(30 * time.Second)
	for len(got) < n {
		select {
		case msg := <-feed:
			b, err := bus.Decode(msg)
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, int(b.Last().Commit/10))
			msg.Ack()
		case <-timeout:
			t.Fatalf("received %d of %d messages", len(got), n)
		}
	}
	return got
}

func checkInOrder(t *testing.T, got []int, first int) {
	t.Helper()
	for i, g := range got {
		if g != first+i {
			t.Fatalf("message %d carries event %d, want %d (order lost)", i, g, first+i)
		}
	}
}

func TestEncodeDecode(t *testing.T) {
	b := batchAt(3)
	b.Events = append(b.Events, batchAt(4).Events...)
	msg, err := bus.Encode(b)
	if err != nil {
		t.Fatal(err)
	}
	got, err := bus.Decode(msg)
	if err != nil {
		t.Fatal(err)
	}
	if got.Prev != b.Prev || got.Last() != b.Last() || len(got.Events) != 2 || got.Events[1].ID != b.Events[1].ID {
		t.Fatalf("round trip: got %+v", got)
	}
	if _, err := bus.Encode(bus.Batch{Events: []eventstore.RecordedEvent{b.Events[1], b.Events[0]}}); err == nil {
		t.Fatal("a batch out of log order was encoded")
	}
	msg.Metadata.Set("last", "1/1")
	if _, err := bus.Decode(msg); err == nil {
		t.Fatal("a message whose metadata disagrees with its events was decoded")
	}
}

func TestGoChannelKeepsOrder(t *testing.T) {
	g := bus.NewGoChannel(nil)
	defer g.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	const n = 5000
	feeds := make([]<-chan *message.Message, 2)
	for i := range feeds {
		feed, err := g.Subscribe(ctx, fmt.Sprintf("p%d", i))
		if err != nil {
			t.Fatal(err)
		}
		feeds[i] = feed
	}
	done := make(chan []int, len(feeds))
	for _, feed := range feeds {
		go func() { done <- receive(t, feed, n) }()
	}
	publishAll(t, g, 1, n)
	for range feeds {
		checkInOrder(t, <-done, 1)
	}
}
