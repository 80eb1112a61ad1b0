package staff

import (
	"testing"

	"github.com/iup-platform/iup/domain/setup"
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
