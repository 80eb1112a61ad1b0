package shred

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/iup-platform/iup/domain"
	"github.com/iup-platform/iup/eventstore"
)

// commentWrittenV2 is commentWritten after a schema change: the level moved
// to "grade". Version-1 events are upcast, which needs the whole JSON, so the
// codec merges the opened content back before upcasting.
type commentWrittenV2 struct {
	Student string `json:"student"`
	Grade   string `json:"grade"`
	Comment string `json:"comment" personal:"true"`
	Goals   []goal `json:"goals,omitempty"`
}

func (commentWrittenV2) EventType() string     { return "test.comment-written" }
func (e commentWrittenV2) DataSubject() string { return e.Student }

func TestOlderVersionIsOpenedThenUpcast(t *testing.T) {
	s := newSetup(t)
	rec, _, _ := s.roundTrip(t, sample) // stored at version 1

	reg := domain.NewRegistry()
	domain.Register[commentWrittenV2](reg, 2)
	reg.RegisterUpcaster("test.comment-written", 1, func(raw json.RawMessage) (json.RawMessage, error) {
		var m map[string]any
		if err := json.Unmarshal(raw, &m); err != nil {
			return nil, err
		}
		if _, ok := m["comment"]; !ok {
			t.Errorf("the upcaster must see the opened personal content, got %s", raw)
		}
		m["grade"] = m["level"]
		delete(m, "level")
		return json.Marshal(m)
	})
	later := NewCodec(reg, s.keys)
	back, culled, err := later.Decode(ctx, rec)
	if err != nil {
		t.Fatal(err)
	}
	want := commentWrittenV2{Student: "stu-1", Grade: "2", Comment: sample.Comment, Goals: sample.Goals}
	if culled || !reflect.DeepEqual(back, want) {
		t.Fatalf("decoded %#v culled=%v, want %#v", back, culled, want)
	}
}

func TestSealedMarkerInsideATextIsNotABox(t *testing.T) {
	s := newSetup(t)
	ev := commentWritten{Student: "stu-1", Level: `"_sealed"`}
	_, back, culled := s.roundTrip(t, ev)
	if culled || !reflect.DeepEqual(back, ev) {
		t.Fatalf("decoded %#v culled=%v, want %#v", back, culled, ev)
	}
}

// The fast path (decode, then personal content over it) and the merge path
// must give the same event for every shape the sample has.
func TestFastPathEqualsMergedDecode(t *testing.T) {
	s := newSetup(t)
	rec, fast, _ := s.roundTrip(t, sample)
	var outer struct {
		Box *sealed `json:"_sealed"`
	}
	if err := json.Unmarshal(rec.Data, &outer); err != nil || outer.Box == nil {
		t.Fatalf("no sealed box in %s (%v)", rec.Data, err)
	}
	plain, err := s.codec.open(ctx, rec, *outer.Box)
	if err != nil {
		t.Fatal(err)
	}
	merged, err := merge(rec.Data, plain)
	if err != nil {
		t.Fatal(err)
	}
	slow, _, err := s.codec.decode(eventstore.RecordedEvent{EventData: rec.EventData, Stream: rec.Stream}, merged, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(fast, slow) {
		t.Fatalf("fast path %#v != merged %#v", fast, slow)
	}
}
