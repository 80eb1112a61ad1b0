package bus_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
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

// A message's payload is what encoding/json writes for its events, and
// encoding/json reads back the same events: nodes of an older build
// (Redis Streams, a rolling upgrade) and of this one read each other.
func TestMessagesAreEncodingJSONs(t *testing.T) {
	at := time.Date(2026, 2, 3, 4, 5, 6, 789, time.UTC)
	b := bus.Batch{Prev: eventstore.Position{Commit: 7, Prepare: 7}, Events: []eventstore.RecordedEvent{{
		EventData: eventstore.EventData{ID: uuid.New(), Type: "plan.field-set", SchemaVersion: 2,
			Data: []byte(`{"text":"Åsa <läser> & \"skriver\"\n","n":1.5e3}`),
			Metadata: eventstore.Metadata{Tenant: "t1", ActorID: "m1", ActorRole: "mentor", OnBehalfOf: "a",
				CorrelationID: "c", CausationID: "k", RequestID: "r", RecordedAt: at, ContentHash: "h1", PrevHash: "h0"}},
		Stream: "plan-t1-s1", Revision: 3, Position: eventstore.Position{Commit: 8, Prepare: 8},
	}, {
		EventData: eventstore.EventData{ID: uuid.New(), Type: "x", SchemaVersion: 1, Data: []byte(`{}`)},
		Stream:    "s", Revision: 0, Position: eventstore.Position{Commit: 9, Prepare: 9},
	}}}
	msg, err := bus.Encode(b)
	if err != nil {
		t.Fatal(err)
	}
	want, err := json.Marshal(b.Events)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(msg.Payload, want) {
		t.Errorf("payload %s\nencoding/json writes %s", msg.Payload, want)
	}
	var std []eventstore.RecordedEvent
	if err := json.Unmarshal(msg.Payload, &std); err != nil {
		t.Fatal(err)
	}
	got, err := bus.Decode(msg)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got.Events, std) || !reflect.DeepEqual(got.Events, b.Events) {
		t.Errorf("decoded %+v\nencoding/json reads %+v\nsent %+v", got.Events, std, b.Events)
	}
}

// BenchmarkDecode is what each projector does with each message: a batch
// of five sealed-size events.
//
//	go test -run '^$' -bench 'Decode$' -benchmem ./projections/bus/
func BenchmarkDecode(b *testing.B) {
	batch := bus.Batch{Prev: eventstore.Position{Commit: 10, Prepare: 10}}
	data := []byte(`{"round_id":"r-sv-sy25-HT","student_id":"s1234","_sealed":{"subject":"s1234/omdome","data":"` +
		strings.Repeat("QUJD", 60) + `"}}`)
	for i := range 5 {
		batch.Events = append(batch.Events, eventstore.RecordedEvent{
			EventData: eventstore.EventData{ID: uuid.New(), Type: "assessment.entry-comment-set", SchemaVersion: 1, Data: data,
				Metadata: eventstore.Metadata{Tenant: "t1", ActorID: "teacher1", ActorRole: "teacher", RecordedAt: time.Now().UTC(),
					ContentHash: strings.Repeat("a", 64), PrevHash: strings.Repeat("b", 64)}},
			Stream: "entry-t1-r-sv-s1234", Revision: uint64(i), Position: eventstore.Position{Commit: uint64(11 + i), Prepare: uint64(11 + i)},
		})
	}
	msg, err := bus.Encode(batch)
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := bus.Decode(msg); err != nil {
			b.Fatal(err)
		}
	}
}
