package risk

import (
	"os"
	"reflect"
	"testing"

	"github.com/iup-platform/iup/domain"
)

func TestVersion1FixtureDecodesIntoCurrentType(t *testing.T) {
	data, err := os.ReadFile("testdata/risk.signalled.v1.json")
	if err != nil {
		t.Fatal(err)
	}
	ev, err := domain.Events.Decode("risk.signalled", 1, data)
	if err != nil {
		t.Fatal(err)
	}
	want := RiskSignalled{StudentID: "s1", Subject: "M2 SPA", Term: domain.TermRef{SchoolYear: "2026-2027", Kind: domain.HT},
		CourseID: "spa-6a", Grade: 6, DutyYear: true, Note: "Behöver stöd i hörförståelse", OnBehalfOf: "tea-1"}
	if !reflect.DeepEqual(ev, want) {
		t.Fatalf("decoded %#v, want %#v", ev, want)
	}
	if ds, ok := ev.(domain.DataSubject); !ok || ds.DataSubject() != "s1" {
		t.Fatal("a signal carries a personal note, so its data subject must be the student")
	}
}
