package staff

import "testing"

var (
	htStart, htEnd = d("2026-08-17"), d("2026-12-20")
	vtStart, vtEnd = d("2027-01-08"), d("2027-06-12")
	from           = d("2026-08-17")
	newYear        = d("2027-01-01")
	moved          = d("2027-01-08")
	published      = ptr(at("2026-12-11T07:00:00Z"))
	noRisks        = []RiskSignal{}
	maRisk         = []RiskSignal{{Subject: "MA", Term: ht, CourseID: "c-ma", Grade: 3, DutyYear: true}}
	s1HTPlan       = PlanStatus{Status: StatusPublished, PlanID: "s1.2026-2027.HT"}
	none           = PlanStatus{Status: StatusNone}
	noTalk         = ConferenceStatus{Status: StatusNone}
)

// cell builders for the two subjects.
func sv(round string, level string, step int) SubjectCell {
	return SubjectCell{Subject: "SV", CourseID: "c-sv", RoundID: round, Level: level, Step: step, Steps: 3, Missing: level == ""}
}

func ma(round string) SubjectCell {
	return SubjectCell{Subject: "MA", CourseID: "c-ma", RoundID: round, FreeText: round != "", Missing: true}
}

// mentorDocs is the mentor overview the history must produce.
func mentorDocs() map[string]any {
	svS1 := sv("r-sv-ht", "beyond", 3)
	svS1.Comment, svS1.Published, svS1.PublishAt, svS1.Amended = true, true, published, true
	maS1 := ma("r-ma-ht")
	maS1.Comment, maS1.Missing = true, false
	svS2 := sv("r-sv-ht", "beyond", 3)
	svS2.Published, svS2.PublishAt = true, published
	maS2 := ma("r-ma-ht")
	maS2.Comment, maS2.SelfAssessment, maS2.Missing = true, true, false
	svS3 := sv("r-sv-ht", "", 0)
	svS3.Published, svS3.PublishAt = true, published
	return map[string]any{
		MentorOverviewKey(tn, "m1", ht): MentorOverviewDoc{MentorID: "m1", Term: ht, TermStart: htStart, TermEnd: htEnd,
			Rows: []MenteeRow{
				{StudentID: "s1", Name: "Ella Åström", Mentor: []Period{{From: from}}, Subjects: []SubjectCell{maS1, svS1},
					Plan: s1HTPlan, Conference: ConferenceStatus{Status: StatusHeld, ConferenceID: "k1", At: ptr(at("2026-12-01T14:05:00Z"))}, Risks: maRisk},
				{StudentID: "s2", Name: "Omar Berg", Mentor: []Period{{From: from, To: moved}}, Subjects: []SubjectCell{maS2, svS2},
					Plan: none, Conference: ConferenceStatus{Status: StatusScheduled, ConferenceID: "k2", At: ptr(at("2026-12-03T14:00:00Z"))}, Risks: noRisks},
				{StudentID: "s3", Protected: true, Mentor: []Period{{From: from, To: newYear}}, Subjects: []SubjectCell{ma("r-ma-ht"), svS3},
					Plan: none, Conference: noTalk, Risks: noRisks},
			},
			Courses: []CourseProgress{
				{CourseID: "c-ma", Subject: "MA", Name: "Matematik 3A", Rounds: 1, Enrolled: 3, Missing: 1},
				{CourseID: "c-sv", Subject: "SV", Name: "Svenska 3A", Rounds: 1, Enrolled: 3, Missing: 1},
			}},
		MentorOverviewKey(tn, "m1", vt): MentorOverviewDoc{MentorID: "m1", Term: vt, TermStart: vtStart, TermEnd: vtEnd,
			Rows: []MenteeRow{
				{StudentID: "s1", Name: "Ella Åström", Mentor: []Period{{From: from}}, Subjects: []SubjectCell{ma(""), sv("r-sv-vt", "reached", 2)},
					Plan: none, Conference: noTalk, Risks: maRisk},
			},
			Courses: []CourseProgress{
				{CourseID: "c-ma", Subject: "MA", Name: "Matematik 3A", Rounds: 0, Enrolled: 1, Missing: 1},
				{CourseID: "c-sv", Subject: "SV", Name: "Svenska 3A", Rounds: 1, Enrolled: 1, Missing: 0},
			}},
		MentorOverviewKey(tn, "m2", vt): MentorOverviewDoc{MentorID: "m2", Term: vt, TermStart: vtStart, TermEnd: vtEnd,
			Rows: []MenteeRow{
				{StudentID: "s3", Protected: true, Mentor: []Period{{From: newYear}}, Subjects: []SubjectCell{ma(""), sv("r-sv-vt", "", 0)},
					Plan: none, Conference: noTalk, Risks: noRisks},
			},
			Courses: []CourseProgress{
				{CourseID: "c-ma", Subject: "MA", Name: "Matematik 3A", Rounds: 0, Enrolled: 1, Missing: 1},
				{CourseID: "c-sv", Subject: "SV", Name: "Svenska 3A", Rounds: 1, Enrolled: 1, Missing: 1},
			}},
	}
}

func TestMentorOverview(t *testing.T) {
	t.Run("every mentee by every subject, per term, with plan, talk and risk", func(t *testing.T) {
		sameView(t, build(t, MentorOverview, history(false)), mentorDocs())
	})
	t.Run("an HT entry amended in February changes the HT overview only", func(t *testing.T) {
		l := history(false)
		before := projectionBefore(t, l, "assessment.entry-amended")
		after := build(t, MentorOverview, l)
		htKey, vtKey := MentorOverviewKey(tn, "m1", ht), MentorOverviewKey(tn, "m1", vt)
		if string(before[vtKey]) != string(after[vtKey]) {
			t.Errorf("the VT overview changed:\n%s\n%s", before[vtKey], after[vtKey])
		}
		if string(before[htKey]) == string(after[htKey]) {
			t.Error("the HT overview did not change")
		}
	})
	t.Run("a mentor's ended period keeps the mentee in earlier terms only", func(t *testing.T) {
		v := build(t, MentorOverview, history(false))
		var doc MentorOverviewDoc
		decode(t, v, MentorOverviewKey(tn, "m1", vt), &doc)
		for _, r := range doc.Rows {
			if r.StudentID == "s3" || r.StudentID == "s2" {
				t.Errorf("%s is in m1's VT overview after the mentor period ended", r.StudentID)
			}
		}
		if _, ok := v[MentorOverviewKey(tn, "m2", ht)]; ok {
			t.Error("m2 has an HT overview though the period starts in January")
		}
	})
	t.Run("without term dates every mentee is listed", func(t *testing.T) {
		l := history(false)
		events := l.Events()[1:] // no school year
		v := projectionsView(t, MentorOverview, events)
		var doc MentorOverviewDoc
		decode(t, v, MentorOverviewKey(tn, "m1", vt), &doc)
		if len(doc.Rows) != 3 || !doc.TermStart.IsZero() {
			t.Errorf("rows = %d, start %v", len(doc.Rows), doc.TermStart)
		}
	})
}
