package home

import (
	"testing"
	"time"

	"github.com/iup-platform/iup/domain"
	"github.com/iup-platform/iup/domain/conference"
	"github.com/iup-platform/iup/projections"
)

// A fold edits a copy of a document: an event that fails is rolled back to
// the document as it was, which shares its arrays with what the fold read.
// Sorting the acknowledgements in place after appending into spare capacity
// used to reorder the shared array, so the rolled-back talk listed the new
// guardian instead of the one that had acknowledged.
func TestARolledBackAcknowledgementLeavesTheTalkAsItWas(t *testing.T) {
	o := projections.NewOverlay(func(string) ([]byte, error) { return nil, nil })
	key := confFactKey(tn, "k1")
	was := confFact{ConferenceID: "k1", StudentID: "s1",
		Acknowledgements: append(make([]Acknowledgement, 0, 4), Acknowledgement{GuardianID: "g2", At: time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)})}
	o.Begin()
	if err := projections.PutJSON(o, key, was); err != nil {
		t.Fatal(err)
	}
	o.Commit()
	o.Begin()
	ev := projections.Event{Envelope: domain.Envelope{Event: conference.Acknowledged{ConferenceID: "k1", StudentID: "s1", GuardianID: "g1"}, RecordedAt: time.Date(2026, 10, 2, 0, 0, 0, 0, time.UTC)}}
	if err := foldConference(o, tn, ev, newDirty()); err != nil {
		t.Fatal(err)
	}
	if got, _, _ := load[confFact](o, key); len(got.Acknowledgements) != 2 || got.Acknowledgements[0].GuardianID != "g1" {
		t.Fatalf("after the fold: %+v", got.Acknowledgements)
	}
	o.Rollback()
	if got, _, _ := load[confFact](o, key); len(got.Acknowledgements) != 1 || got.Acknowledgements[0].GuardianID != "g2" {
		t.Errorf("after the rollback: %+v, want only g2", got.Acknowledgements)
	}
}
