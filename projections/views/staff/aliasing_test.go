package staff

import (
	"reflect"
	"slices"
	"testing"

	"github.com/iup-platform/iup/domain"
	"github.com/iup-platform/iup/domain/risk"
	"github.com/iup-platform/iup/projections"
)

// A fold edits a copy of a document: an event that fails is rolled back to
// the document as it was, which shares its arrays with what the fold read.
// addSorted inserting into spare capacity used to shift the shared array,
// so the rolled-back school listed [a b] instead of [a c].
func TestAFailedEventLeavesTheDocumentsItReadAsTheyWere(t *testing.T) {
	o := projections.NewOverlay(func(string) ([]byte, error) { return nil, nil })
	key := schoolKey(tn, "sk1")
	o.Begin()
	if err := projections.PutJSON(o, key, school{Students: append(make([]string, 0, 4), "a", "c")}); err != nil {
		t.Fatal(err)
	}
	o.Commit()
	o.Begin()
	if err := projections.UpdateJSON(o, key, func(s *school) { s.Students = addSorted(s.Students, "b") }); err != nil {
		t.Fatal(err)
	}
	if got, _ := load[school](o, key); !slices.Equal(got.Students, []string{"a", "b", "c"}) {
		t.Fatalf("after the fold: %v", got.Students)
	}
	o.Rollback()
	if got, _ := load[school](o, key); !slices.Equal(got.Students, []string{"a", "c"}) {
		t.Errorf("after the rollback: %v, want [a c]", got.Students)
	}
}

// replaceRow changes a school's list in a new array and says whether it
// changed: the list read from the overlay is shared with its previous
// version, and an unchanged list is not encoded again.
func TestReplaceRowNeverWritesIntoTheList(t *testing.T) {
	id := func(r PlanRow) string { return r.StudentID }
	row := func(s, status string) PlanRow {
		return PlanRow{StudentRef: StudentRef{StudentID: s}, Plan: PlanStatus{Status: status}}
	}
	list := append(make([]PlanRow, 0, 8), row("a", "draft"), row("c", "none"))
	was := slices.Clone(list)
	same, published, b := row("a", "draft"), row("c", "published"), row("b", "none")
	for _, tc := range []struct {
		name    string
		id      string
		row     *PlanRow
		changed bool
		want    []PlanRow
	}{
		{"an equal row", "a", &same, false, was},
		{"a changed row", "c", &published, true, []PlanRow{row("a", "draft"), row("c", "published")}},
		{"a row taken out", "a", nil, true, []PlanRow{row("c", "none")}},
		{"a row put in", "b", &b, true, []PlanRow{row("a", "draft"), b, row("c", "none")}},
		{"no row, none wanted", "b", nil, false, was},
	} {
		got, changed := replaceRow(list, tc.id, tc.row, id)
		if changed != tc.changed || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: %+v, changed %v", tc.name, got, changed)
		}
		if !reflect.DeepEqual(list, was) {
			t.Fatalf("%s: the list it was given became %+v", tc.name, list)
		}
		if spare := list[:len(list)+1][len(list)]; spare != (PlanRow{}) {
			t.Fatalf("%s: written past the list's end: %+v", tc.name, spare)
		}
	}
}

// An entry changed in place in the round's list changed the version a
// failed event is rolled back to as well: the level set by the failed
// event stayed.
func TestAFailedEventLeavesTheRoundsEntriesAsTheyWere(t *testing.T) {
	o := projections.NewOverlay(func(string) ([]byte, error) { return nil, nil })
	o.Begin()
	if err := entry(o, tn, newDirty(), "r1", "s1", func(e *entryFact) { e.Level = "basic" }); err != nil {
		t.Fatal(err)
	}
	o.Commit()
	o.Begin()
	if err := entry(o, tn, newDirty(), "r1", "s1", func(e *entryFact) { e.Level = "beyond" }); err != nil {
		t.Fatal(err)
	}
	o.Rollback()
	if got, _ := load[roundFact](o, roundKey(tn, "r1")); len(got.Entries) != 1 || got.Entries[0].Level != "basic" {
		t.Errorf("after the rollback: %+v, want level basic", got.Entries)
	}
}

// The same for a student's plans: a plan's status changed in place, or a
// plan added and the list sorted in the spare room of the array, changed
// the version a failed event is rolled back to.
func TestAFailedEventLeavesTheStudentsPlansAsTheyWere(t *testing.T) {
	o := projections.NewOverlay(func(string) ([]byte, error) { return nil, nil })
	key := studentKey(tn, "s1")
	o.Begin()
	if err := projections.PutJSON(o, key, studentFacts{Plans: append(make([]planFact, 0, 4), planFact{ID: "p2", Status: StatusNone})}); err != nil {
		t.Fatal(err)
	}
	o.Commit()
	term := domain.TermRef{SchoolYear: "2026-2027", Kind: domain.HT}
	for _, id := range []string{"p2", "p1"} {
		o.Begin()
		if err := planStatus(o, tn, newDirty(), "s1", id, term, func(p *planFact) { p.Status = "published" }); err != nil {
			t.Fatal(err)
		}
		o.Rollback()
		if got, _ := load[studentFacts](o, key); len(got.Plans) != 1 || got.Plans[0] != (planFact{ID: "p2", Status: StatusNone}) {
			t.Errorf("after a rolled-back change of %s: %+v, want p2 as it was", id, got.Plans)
		}
	}
}

// And for a student's risks: a risk signalled again for a subject was
// taken out and put back in the array the rolled-back version shares, so
// the failed event's term stayed.
func TestAFailedEventLeavesTheStudentsRisksAsTheyWere(t *testing.T) {
	o := projections.NewOverlay(func(string) ([]byte, error) { return nil, nil })
	key := studentKey(tn, "s1")
	ht := domain.TermRef{SchoolYear: "2026-2027", Kind: domain.HT}
	was := []riskFact{{Subject: "MA", Term: ht}, {Subject: "SV", Term: ht}}
	o.Begin()
	if err := projections.PutJSON(o, key, studentFacts{Risks: append(make([]riskFact, 0, 4), was...)}); err != nil {
		t.Fatal(err)
	}
	o.Commit()
	vt := domain.TermRef{SchoolYear: "2026-2027", Kind: domain.VT}
	for _, ev := range []domain.Event{
		risk.RiskSignalled{StudentID: "s1", Subject: "MA", Term: vt},
		risk.RiskWithdrawn{StudentID: "s1", Subject: "MA"},
	} {
		o.Begin()
		if _, err := foldContent(o, tn, projections.Event{Envelope: domain.Envelope{Event: ev}}); err != nil {
			t.Fatal(err)
		}
		o.Rollback()
		if got, _ := load[studentFacts](o, key); !slices.Equal(got.Risks, was) {
			t.Errorf("after a rolled-back %T: %+v, want %+v", ev, got.Risks, was)
		}
	}
}
