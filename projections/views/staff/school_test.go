package staff

import (
	"strings"

	"encoding/json"
	"github.com/iup-platform/iup/projections"
	"testing"

	"github.com/iup-platform/iup/domain"
	"github.com/iup-platform/iup/domain/roster"
	"github.com/iup-platform/iup/domain/setup"
	"github.com/iup-platform/iup/projections/projectiontest"
)

func ref(id, name string, protected bool, placed Period, current string) StudentRef {
	return StudentRef{StudentID: id, Name: name, Protected: protected, Grade: 3, SchoolForm: setup.FormGrundskola, Placed: placed, CurrentSchoolID: current}
}

func schoolDocs() map[string]any {
	s1 := ref("s1", "Ella Åström", false, Period{From: from}, "")
	s2 := ref("s2", "Omar Berg", false, Period{From: from, To: moved}, "sk2")
	s2new := ref("s2", "Omar Berg", false, Period{From: moved}, "")
	s3 := ref("s3", "", true, Period{From: from}, "")
	return map[string]any{
		SchoolListsKey(tn, "sk1", ht): SchoolListsDoc{SchoolID: "sk1", Term: ht, TermStart: htStart, TermEnd: htEnd,
			AtRisk: []AtRiskRow{{StudentRef: s1, Signals: maRisk}},
			NoConference: []ConferenceRow{
				{StudentRef: s2, Conference: ConferenceStatus{Status: StatusScheduled, ConferenceID: "k2", At: ptr(at("2026-12-03T14:00:00Z"))}},
				{StudentRef: s3, Conference: noTalk}},
			IUPDue: []PlanRow{{StudentRef: s2, Plan: none}, {StudentRef: s3, Plan: none}}},
		SchoolListsKey(tn, "sk1", vt): SchoolListsDoc{SchoolID: "sk1", Term: vt, TermStart: vtStart, TermEnd: vtEnd,
			AtRisk:       []AtRiskRow{{StudentRef: s1, Signals: maRisk}},
			NoConference: []ConferenceRow{{StudentRef: s1, Conference: noTalk}, {StudentRef: s3, Conference: noTalk}},
			IUPDue:       []PlanRow{{StudentRef: s3, Plan: none}}},
		SchoolListsKey(tn, "sk2", vt): SchoolListsDoc{SchoolID: "sk2", Term: vt, TermStart: vtStart, TermEnd: vtEnd,
			AtRisk:       []AtRiskRow{},
			NoConference: []ConferenceRow{{StudentRef: s2new, Conference: noTalk}},
			IUPDue:       []PlanRow{{StudentRef: s2new, Plan: none}}},
	}
}

func TestSchoolLists(t *testing.T) {
	t.Run("risk, talk and written IUP lists per school and term; a moved student in each school's own terms", func(t *testing.T) {
		sameView(t, build(t, SchoolLists, history(false)), schoolDocs())
	})
}

func TestSchoolListsOverYears(t *testing.T) {
	t.Run("an earlier term keeps the year the student was in then", func(t *testing.T) {
		next := domain.TermRef{SchoolYear: "2027-2028", Kind: domain.HT}
		evs := append(nextYear(), projectiontest.NewLog().Add(roster.StudentStream(tn, "s3"), at("2027-08-01T08:00:00Z"), admin,
			roster.StudentDetailsChanged{StudentID: "s3", Grade: 6, SchoolForm: setup.FormGrundskola, EffectiveFrom: d("2027-08-16")}).Events()...)
		v := projectionsView(t, SchoolLists, evs)
		old := schoolDocs()
		for k, w := range old {
			wb, _ := json.Marshal(w)
			if string(v[k]) != string(wb) {
				t.Errorf("%s changed:\n got %s\nwant %s", k, v[k], wb)
			}
		}
		var doc SchoolListsDoc
		decode(t, v, SchoolListsKey(tn, "sk1", next), &doc)
		for _, r := range doc.IUPDue {
			if r.StudentID == "s3" {
				t.Error("a year-6 student is owed a written IUP")
			}
		}
		if len(doc.NoConference) != 2 || doc.NoConference[1].Grade != 6 {
			t.Errorf("no conference = %+v", doc.NoConference)
		}
	})
}

// Live, each event is a batch and a school's lists are updated for the
// students it changed, from what the previous batch wrote; that must equal
// the lists rendered whole from the same facts (here: in batches of 97,
// where a list's first render is whole). The scenarios move a student
// between schools, end placements, withdraw risks and change term dates.
func TestSchoolListsUpdatedPerStudentEqualWholeRenders(t *testing.T) {
	scenarios := map[string][]projections.Event{
		"history":   history(false).Events(),
		"edges":     edges().Events(),
		"next year": nextYear(),
		"culled":    history(true).Events(),
		// HT ends before the student moved: a list's dates and who is
		// placed in it change with no student's facts changing.
		"term dates moved": history(false).Add("setupschoolyear-kommun.2026-2027", at("2027-02-01T08:00:00Z"), admin,
			setup.TermDatesChanged{SchoolYearID: "2026-2027", Kind: domain.HT, Start: d("2026-08-17"), End: d("2026-09-01")}).Events(),
	}
	for name, evs := range scenarios {
		t.Run(name, func(t *testing.T) {
			whole := projectiontest.View(t, Projection, evs)
			live := projectiontest.ViewInBatches(t, Projection, evs, 1)
			n := 0
			for k, v := range whole {
				if !strings.HasPrefix(k, "school-lists/") {
					continue
				}
				n++
				if string(live[k]) != string(v) {
					t.Errorf("%s:\n live  %s\n whole %s", k, live[k], v)
				}
			}
			for k := range live {
				if _, ok := whole[k]; !ok {
					t.Errorf("%s: written live, not by a whole render", k)
				}
			}
			if n == 0 {
				t.Fatal("no school lists in the scenario")
			}
		})
	}
}
