package staff

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/iup-platform/iup/domain"
	"github.com/iup-platform/iup/domain/assessment"
	"github.com/iup-platform/iup/domain/conference"
	"github.com/iup-platform/iup/domain/plan"
	"github.com/iup-platform/iup/domain/risk"
	"github.com/iup-platform/iup/domain/roster"
	"github.com/iup-platform/iup/domain/setup"
	"github.com/iup-platform/iup/projections"
	"github.com/iup-platform/iup/projections/projectiontest"
)

// edges is a second school, sk3, with the rarer events: förskoleklass,
// a student who leaves, re-signalled and withdrawn risks, a withdrawn
// entry, amended comments, an archived plan and an old uploaded one, a
// cancelled talk, a change of teacher and moved term dates.
func edges() *projectiontest.Log {
	l := projectiontest.NewLog().
		Add("setupschoolyear-kommun.2026-2027", at("2026-06-01T08:00:00Z"), admin, setup.SchoolYearCreated{SchoolYearID: "2026-2027",
			Terms: []setup.Term{{Kind: domain.HT, Start: d("2026-08-17"), End: d("2026-12-20")}, {Kind: domain.VT, Start: d("2027-01-08"), End: d("2027-06-12")}}})
	for _, s := range []struct {
		id, form string
		grade    int
	}{{"f1", setup.FormForskoleklass, 0}, {"f2", setup.FormGrundskola, 6}, {"f3", setup.FormAnpassadGrundskola, 7}, {"f4", setup.FormGrundskola, 2}} {
		l.Add(roster.StudentStream(tn, s.id), at("2026-08-10T08:00:00Z"), admin,
			roster.StudentRegistered{StudentID: s.id, SchoolID: "sk3", Grade: s.grade, SchoolForm: s.form, Protected: "none", DisplayName: "Elev " + s.id, EffectiveFrom: from},
			roster.MentorAssigned{StudentID: s.id, StaffID: "m3", EffectiveFrom: from})
	}
	l.Add(roster.StudentStream(tn, "f1"), at("2026-08-11T08:00:00Z"), admin,
		roster.StudentProtectionChanged{StudentID: "f1", Protected: "sekretessmarkering", EffectiveFrom: from})
	l.Add(roster.StudentStream(tn, "f2"), at("2026-08-11T08:00:00Z"), admin,
		roster.StudentRenamed{StudentID: "f2", DisplayName: "Nils Ny"},
		roster.StudentDetailsChanged{StudentID: "f2", Grade: 6, SchoolForm: setup.FormGrundskola, EffectiveFrom: from})
	l.Add(roster.CourseStream(tn, "c-en"), at("2026-08-10T08:00:00Z"), admin,
		roster.CourseCreated{CourseID: "c-en", SchoolID: "sk3", Subject: "EN", Name: "Engelska 6", Term: ht},
		roster.CourseTeacherAssigned{CourseID: "c-en", StaffID: "t2", EffectiveFrom: from},
		roster.StudentsEnrolled{CourseID: "c-en", StudentIDs: []string{"f2", "f3"}, EffectiveFrom: from},
		roster.CourseTeacherEnded{CourseID: "c-en", StaffID: "t2", EffectiveFrom: d("2026-10-01")},
		roster.CourseTeacherAssigned{CourseID: "c-en", StaffID: "t3", EffectiveFrom: d("2026-10-01")})
	l.Add(assessment.RoundStream(tn, "r-en"), at("2026-11-01T08:00:00Z"), teacher,
		assessment.RoundCreated{RoundID: "r-en", CourseID: "c-en", Term: ht, Title: "Engelska HT", ScaleID: "two",
			Steps: []assessment.ScaleStep{{Key: "no", Label: "Nej"}, {Key: "yes", Label: "Ja"}}},
		assessment.RoundSelfAssessmentChanged{RoundID: "r-en", Allowed: true},
		assessment.RoundPublished{RoundID: "r-en", PublishAt: at("2026-12-01T07:00:00Z")},
		assessment.RoundUnpublished{RoundID: "r-en"})
	l.Add(assessment.EntryStream(tn, "r-en", "f2"), at("2026-11-02T08:00:00Z"), teacher,
		assessment.EntryLevelSet{RoundID: "r-en", StudentID: "f2", Level: "yes"},
		assessment.EntryCommentSet{RoundID: "r-en", StudentID: "f2", Comment: "Fel elev"},
		assessment.SelfLevelSet{RoundID: "r-en", StudentID: "f2", Level: "yes"},
		assessment.EntryWithdrawn{RoundID: "r-en", StudentID: "f2", Reason: "Fel elev"})
	l.Add(assessment.EntryStream(tn, "r-en", "f3"), at("2026-11-02T08:00:00Z"), teacher,
		assessment.EntryCommentSet{RoundID: "r-en", StudentID: "f3", Comment: "Bra"},
		assessment.SelfCommentSet{RoundID: "r-en", StudentID: "f3", Comment: "Jag"})
	l.Add(assessment.EntryStream(tn, "r-en", "f3"), at("2027-01-15T08:00:00Z"), teacher,
		assessment.EntryAmended{RoundID: "r-en", StudentID: "f3", Term: ht, Field: assessment.FieldComment, Reason: "Fel"},
		assessment.EntryAmended{RoundID: "r-en", StudentID: "f3", Term: ht, Field: assessment.FieldSelfLevel, Level: "no", Reason: "Fel"},
		assessment.EntryAmended{RoundID: "r-en", StudentID: "f3", Term: ht, Field: assessment.FieldSelfComment, Comment: "Jag igen", Reason: "Fel"})
	l.Add(conference.Stream(tn, "kf1"), at("2026-10-01T08:00:00Z"), mentor,
		conference.Scheduled{ConferenceID: "kf1", StudentID: "f1", Term: ht, At: at("2026-10-05T08:00:00Z")},
		conference.Rescheduled{ConferenceID: "kf1", StudentID: "f1", At: at("2026-10-06T08:00:00Z")},
		conference.Held{ConferenceID: "kf1", StudentID: "f1", Term: ht, HeldAt: at("2026-10-06T08:10:00Z")})
	l.Add(conference.Stream(tn, "kf2"), at("2027-02-01T08:00:00Z"), mentor,
		conference.Scheduled{ConferenceID: "kf2", StudentID: "f2", Term: vt, At: at("2027-02-05T08:00:00Z")},
		conference.Cancelled{ConferenceID: "kf2", StudentID: "f2", Reason: "Sjuk"})
	l.Add(risk.Stream(tn, "f2", "SV"), at("2026-11-01T08:00:00Z"), mentor,
		risk.RiskSignalled{StudentID: "f2", Subject: "SV", Term: ht, Grade: 6, DutyYear: true},
		risk.RiskSignalled{StudentID: "f2", Subject: "SV", Term: vt, Grade: 6, DutyYear: true})
	l.Add(risk.Stream(tn, "f2", "EN"), at("2027-02-01T08:00:00Z"), teacher,
		risk.RiskSignalled{StudentID: "f2", Subject: "EN", Term: vt, Grade: 6, DutyYear: true},
		risk.RiskWithdrawn{StudentID: "f2", Subject: "EN", Reason: "Ikapp"})
	l.Add(plan.Stream(tn, "f3", vt), at("2027-02-01T08:00:00Z"), mentor,
		plan.Created{PlanID: plan.ID("f3", vt), StudentID: "f3", Term: vt, TemplateID: "iup", TemplateVersion: 1},
		plan.Published{PlanID: plan.ID("f3", vt), StudentID: "f3"},
		plan.Unpublished{PlanID: plan.ID("f3", vt), StudentID: "f3"},
		plan.Archived{PlanID: plan.ID("f3", vt), StudentID: "f3"})
	l.Add(plan.Stream(tn, "f4", ht), at("2027-02-01T08:00:00Z"), admin,
		plan.LegacyDocumentAttached{PlanID: plan.ID("f4", ht), StudentID: "f4", Term: ht, DocumentID: "doc1", FileName: "iup.pdf"})
	l.Add(roster.StudentStream(tn, "f2"), at("2027-02-20T08:00:00Z"), admin, roster.StudentLeft{StudentID: "f2", EffectiveFrom: d("2027-03-01")})
	l.Add("setupschoolyear-kommun.2026-2027", at("2027-02-20T08:00:00Z"), admin,
		setup.TermDatesChanged{SchoolYearID: "2026-2027", Kind: domain.VT, Start: vtStart, End: d("2027-06-11")})
	return l
}

func TestEdges(t *testing.T) {
	left := d("2027-03-01")
	t.Run("a withdrawn entry, amended comments and a change of teacher show in the course view", func(t *testing.T) {
		v := build(t, CourseView, edges())
		want := CourseViewDoc{CourseID: "c-en", SchoolID: "sk3", Subject: "EN", Name: "Engelska 6", Term: ht, TermStart: htStart, TermEnd: htEnd,
			Teachers: []Teacher{{StaffID: "t2", Period: Period{From: from, To: d("2026-10-01")}}, {StaffID: "t3", Period: Period{From: d("2026-10-01")}}},
			Students: []CourseStudent{{StudentID: "f2", Name: "Nils Ny", Enrolled: Period{From: from}, LeftOn: left}, {StudentID: "f3", Name: "Elev f3", Enrolled: Period{From: from}}},
			Rounds: []RoundView{{RoundID: "r-en", Title: "Engelska HT", Steps: []string{"no", "yes"}, SelfAssessment: true,
				Entries: []EntryView{{StudentID: "f2", SelfAssessment: true, Withdrawn: true}, {StudentID: "f3", SelfAssessment: true, Amended: true}},
				Missing: []string{"f2", "f3"}}}}
		sameView(t, v, map[string]any{CourseViewKey(tn, "c-en", ht): want})
	})
	t.Run("förskoleklass owes one talk a year; a cancelled talk, a left student, risks that moved or were withdrawn", func(t *testing.T) {
		v := build(t, SchoolLists, edges())
		f2 := StudentRef{StudentID: "f2", Name: "Nils Ny", Grade: 6, SchoolForm: setup.FormGrundskola, Placed: Period{From: from}, LeftOn: left}
		f3 := StudentRef{StudentID: "f3", Name: "Elev f3", Grade: 7, SchoolForm: setup.FormAnpassadGrundskola, Placed: Period{From: from}}
		f4 := StudentRef{StudentID: "f4", Name: "Elev f4", Grade: 2, SchoolForm: setup.FormGrundskola, Placed: Period{From: from}}
		sv := []RiskSignal{{Subject: "SV", Term: vt, Grade: 6, DutyYear: true}}
		sameView(t, v, map[string]any{
			SchoolListsKey(tn, "sk3", ht): SchoolListsDoc{SchoolID: "sk3", Term: ht, TermStart: htStart, TermEnd: htEnd,
				AtRisk:       []AtRiskRow{},
				NoConference: []ConferenceRow{{StudentRef: f2, Conference: noTalk}, {StudentRef: f3, Conference: noTalk}, {StudentRef: f4, Conference: noTalk}},
				IUPDue:       []PlanRow{}},
			SchoolListsKey(tn, "sk3", vt): SchoolListsDoc{SchoolID: "sk3", Term: vt, TermStart: vtStart, TermEnd: d("2027-06-11"),
				AtRisk:       []AtRiskRow{{StudentRef: f2, Signals: sv}},
				NoConference: []ConferenceRow{{StudentRef: f2, Conference: ConferenceStatus{Status: StatusCancelled, ConferenceID: "kf2"}}, {StudentRef: f3, Conference: noTalk}, {StudentRef: f4, Conference: noTalk}},
				IUPDue:       []PlanRow{}},
		})
	})
	t.Run("the mentor sees statuses, never texts: archived and legacy plans, a cancelled talk", func(t *testing.T) {
		v := build(t, MentorOverview, edges())
		var doc MentorOverviewDoc
		decode(t, v, MentorOverviewKey(tn, "m3", vt), &doc)
		got := map[string]MenteeRow{}
		for _, r := range doc.Rows {
			got[r.StudentID] = r
		}
		if p := got["f3"].Plan; p != (PlanStatus{Status: StatusArchived, PlanID: "f3.2026-2027.VT"}) {
			t.Errorf("f3 plan = %+v", p)
		}
		if c := got["f2"].Conference; c.Status != StatusCancelled || c.At != nil {
			t.Errorf("f2 talk = %+v", c)
		}
		if r := got["f1"]; r.Name != "" || !r.Protected {
			t.Errorf("protected f1 = %+v", r)
		}
		decode(t, v, MentorOverviewKey(tn, "m3", ht), &doc)
		for _, r := range doc.Rows {
			if r.StudentID == "f4" && r.Plan != (PlanStatus{Status: StatusNone, PlanID: "f4.2026-2027.HT", Legacy: true}) {
				t.Errorf("f4 plan = %+v", r.Plan)
			}
			if r.StudentID == "f2" && len(r.Risks) != 0 {
				t.Errorf("a risk re-signalled in VT still shows in HT: %+v", r.Risks)
			}
		}
		for k, b := range v {
			for _, text := range []string{"Fel elev", "Bra", "Jag igen", "Sjuk", "Ikapp", "iup.pdf"} {
				if strings.Contains(string(b), text) {
					t.Errorf("%s carries %q", k, text)
				}
			}
		}
	})
	t.Run("events without a tenant are refused", func(t *testing.T) {
		o := projections.NewOverlay(func(string) ([]byte, error) { return nil, nil })
		if err := MentorOverview.Apply(o, projections.Event{Envelope: domain.Envelope{Event: risk.RiskWithdrawn{StudentID: "s1"}}}); err == nil {
			t.Error("placed an event without a tenant")
		}
	})
	t.Run("a broken helper document is an error, not a silent gap", func(t *testing.T) {
		for _, p := range []projections.Projection{MentorOverview, CourseView, SchoolLists} {
			o := projections.NewOverlay(func(k string) ([]byte, error) { return json.RawMessage("{"), nil })
			ev := edges().Events()[1]
			if err := p.Apply(o, ev); err == nil {
				t.Errorf("%s: no error on a broken document", p.Name)
			}
		}
	})
}

func TestTalksAndPlans(t *testing.T) {
	l := projectiontest.NewLog().
		Add(roster.StudentStream(tn, "s1"), at("2026-08-10T08:00:00Z"), admin,
			roster.StudentRegistered{StudentID: "s1", SchoolID: "sk1", Grade: 2, SchoolForm: setup.FormGrundskola, DisplayName: "Ella", EffectiveFrom: from},
			roster.MentorAssigned{StudentID: "s1", StaffID: "m1", EffectiveFrom: from})
	for _, c := range []struct {
		id, at string
		held   bool
	}{{"k1", "2026-10-10T08:00:00Z", false}, {"k2", "2026-10-03T08:00:00Z", false}} {
		l.Add(conference.Stream(tn, c.id), at("2026-09-01T08:00:00Z"), mentor,
			conference.Scheduled{ConferenceID: c.id, StudentID: "s1", Term: ht, At: at(c.at)})
	}
	// A plan published whose creation lies outside the log (imported).
	l.Add(plan.Stream(tn, "s1", ht), at("2026-09-01T08:00:00Z"), mentor, plan.Published{PlanID: plan.ID("s1", ht), StudentID: "s1"})
	row := func(l *projectiontest.Log) MenteeRow {
		var doc MentorOverviewDoc
		decode(t, build(t, MentorOverview, l), MentorOverviewKey(tn, "m1", ht), &doc)
		return doc.Rows[0]
	}
	t.Run("of two booked talks the earlier shows", func(t *testing.T) {
		if c := row(l).Conference; c.ConferenceID != "k2" || c.Status != StatusScheduled {
			t.Errorf("talk = %+v", c)
		}
	})
	t.Run("a plan's term is read from its id when its creation is not in the log", func(t *testing.T) {
		if p := row(l).Plan; p != (PlanStatus{Status: StatusPublished, PlanID: "s1.2026-2027.HT"}) {
			t.Errorf("plan = %+v", p)
		}
	})
	t.Run("a held talk outranks a booked one, and the later of two held shows", func(t *testing.T) {
		l.Add(conference.Stream(tn, "k1"), at("2026-10-10T08:00:00Z"), mentor,
			conference.Held{ConferenceID: "k1", StudentID: "s1", Term: ht, HeldAt: at("2026-10-10T08:00:00Z")})
		if c := row(l).Conference; c.ConferenceID != "k1" || c.Status != StatusHeld {
			t.Errorf("talk = %+v", c)
		}
		l.Add(conference.Stream(tn, "k2"), at("2026-10-11T08:00:00Z"), mentor,
			conference.Held{ConferenceID: "k2", StudentID: "s1", Term: ht, HeldAt: at("2026-10-11T08:00:00Z")})
		if c := row(l).Conference; c.ConferenceID != "k2" || c.Status != StatusHeld {
			t.Errorf("talk = %+v", c)
		}
	})
}

func TestUnknownTermDates(t *testing.T) {
	t.Run("without term dates a school lists the students it has now", func(t *testing.T) {
		v := projectionsView(t, SchoolLists, history(false).Events()[1:])
		var sk1, sk2 SchoolListsDoc
		decode(t, v, SchoolListsKey(tn, "sk1", vt), &sk1)
		decode(t, v, SchoolListsKey(tn, "sk2", vt), &sk2)
		if len(sk1.NoConference) != 2 || sk1.NoConference[0].StudentID != "s1" || sk1.NoConference[1].StudentID != "s3" {
			t.Errorf("sk1 = %+v", sk1.NoConference)
		}
		if len(sk2.NoConference) != 1 || sk2.NoConference[0].StudentID != "s2" {
			t.Errorf("sk2 = %+v", sk2.NoConference)
		}
	})
}
