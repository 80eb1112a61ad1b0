package home

import (
	"testing"

	"github.com/iup-platform/iup/domain"
	"github.com/iup-platform/iup/domain/assessment"
	"github.com/iup-platform/iup/domain/plan"
	"github.com/iup-platform/iup/projections/projectiontest"
	"github.com/iup-platform/iup/projections/views/relations"
)

var steps = []assessment.ScaleStep{{Key: "1", Label: "Inte ännu"}, {Key: "2", Label: "Godtagbart"}, {Key: "3", Label: "Mer än godtagbart"}}

// expected documents of history(false), shared by the views' tests.

func wantGoals() []Goal {
	return []Goal{{GoalID: "g1", Text: "Läsa en bok i månaden", Owner: plan.OwnerStudent, FollowUp: d("2026-12-01")}}
}

func wantAgreements() []Agreement {
	return []Agreement{{ConferenceID: "k1", Texts: []string{"Läsa 20 minuter varje dag"}}}
}

func wantHTPlan(audience domain.Role) HomePlan {
	p := HomePlan{PlanID: "s1.2026-2027.HT", Term: ht, Title: "IUP HT", Start: from, End: d("2026-12-20"),
		Fields: []HomeField{{Key: "school", Heading: "Skolan gör", Text: "Decembertext för skolan"}, {Key: "home", Heading: "Hemmet gör", Text: "Läsa hemma"}},
		Goals:  wantGoals(), Agreements: wantAgreements()}
	if audience == domain.RoleGuardian {
		p.Fields = append(p.Fields, HomeField{Key: "health", Heading: "Hälsa", Text: "Astma", Sensitive: true})
	}
	return p
}

func wantR1Home() HomeEntry {
	return HomeEntry{RoundID: "r1", CourseID: "c1", Subject: "SV", CourseName: "Svenska 4A", Title: "Svenska HT", Steps: steps,
		PublishAt: tp("2026-12-18T07:00:00Z"), Level: "3", Comment: "Decembertext: läser flytande och med inlevelse", Amended: true}
}

func wantHomeConferences() []HomeConference {
	return []HomeConference{
		{ConferenceID: "k1", Term: ht, At: at("2026-11-12T14:00:00Z"), Place: "Klassrum 4A", Status: StatusHeld, HeldAt: tp("2026-11-12T15:00:00Z"),
			Agreements: []string{"Läsa 20 minuter varje dag"}, Acknowledgements: wantAcks()},
		{ConferenceID: "k2", Term: vt, At: at("2027-03-10T14:00:00Z"), Place: "Klassrum 4A", InterpreterLanguage: "so", Status: StatusScheduled,
			Agreements: []string{}, Acknowledgements: []Acknowledgement{}},
	}
}

func wantAcks() []Acknowledgement {
	return []Acknowledgement{{GuardianID: "gA", At: at("2026-11-13T18:00:00Z")}, {GuardianID: "gB", At: at("2026-11-14T18:00:00Z")}}
}

func wantChild() Child {
	return Child{StudentID: "s1", Audience: domain.RoleGuardian, Plans: []HomePlan{wantHTPlan(domain.RoleGuardian)},
		Terms: []HomeTerm{{Term: ht, Entries: []HomeEntry{wantR1Home()}}}, Conferences: wantHomeConferences()}
}

func wantStudent() Child {
	return Child{StudentID: "s1", Audience: domain.RoleStudent, Plans: []HomePlan{wantHTPlan(domain.RoleStudent)},
		Terms: []HomeTerm{{Term: ht, Entries: []HomeEntry{wantR1Home()}}, {Term: vt, Entries: []HomeEntry{{RoundID: "r2", CourseID: "c2", Subject: "MA",
			CourseName: "Matematik 4A", Title: "Matematik VT", Steps: []assessment.ScaleStep{}, SelfComment: "Jag kan multiplikation"}}}},
		Conferences: wantHomeConferences()}
}

func wantGuardian(id string, restrictions ...relations.Period) Guardian {
	return Guardian{GuardianID: id, Children: []ChildLink{{StudentID: "s1",
		Relations:    []relations.GuardianLink{{Period: relations.Period{ID: id, From: from}, Relation: "vardnadshavare"}},
		Restrictions: append([]relations.Period{}, restrictions...)}}}
}

// planFields are the HT plan's fields with texts, staff view.
func planFields(school string) []PlanField {
	return []PlanField{
		{Key: "school", Heading: "Skolan gör", VisibleTo: all, EditableBy: []domain.Role{domain.RoleMentor}, Text: school},
		{Key: "home", Heading: "Hemmet gör", VisibleTo: fields[1].VisibleTo, EditableBy: fields[1].EditableBy, Text: "Läsa hemma"},
		{Key: "staff", Heading: "Personalens anteckning", VisibleTo: fields[2].VisibleTo, EditableBy: fields[2].EditableBy, Text: canary},
		{Key: "health", Heading: "Hälsa", VisibleTo: fields[3].VisibleTo, EditableBy: fields[3].EditableBy, Sensitive: true, Text: "Astma"},
	}
}

func wantHTPlanContent(school string, agreements []Agreement, rev uint64) *PlanContent {
	return &PlanContent{PlanID: "s1.2026-2027.HT", Term: ht, Created: true, TemplateID: "iup", TemplateVersion: 1, Title: "IUP HT",
		Start: from, End: d("2026-12-20"), Published: true, Fields: planFields(school), Goals: wantGoals(), Agreements: agreements,
		Legacy: []LegacyDocument{}, Revision: rev}
}

func wantHTSnapshot() Snapshot {
	return Snapshot{StudentID: "s1", Term: ht, Plan: wantHTPlanContent("Decembertext för skolan", wantAgreements(), 8),
		Assessments: []EntryContent{
			{RoundID: "r1", CourseID: "c1", Subject: "SV", CourseName: "Svenska 4A", Title: "Svenska HT", Term: ht, Steps: steps,
				PublishAt: tp("2026-12-18T07:00:00Z"), Level: "3", Comment: "Decembertext: läser flytande och med inlevelse",
				Amendments: []Amendment{{Field: "level", Level: "3", Reason: "Missat prov rättat", RecordedAt: at("2027-02-10T08:00:00Z"), ActorID: "t1", ActorRole: domain.RoleTeacher}}},
			{RoundID: "r3", CourseID: "c1", Subject: "SV", CourseName: "Svenska 4A", Title: "Läsförståelse", Term: ht, Steps: []assessment.ScaleStep{},
				FreeText: true, Comment: "Opublicerad text", Amendments: []Amendment{}},
		}}
}

func wantVTSnapshot() Snapshot {
	vtFields := planFields("VT-plan")
	for i := 1; i < len(vtFields); i++ {
		vtFields[i].Text = ""
	}
	return Snapshot{StudentID: "s1", Term: vt,
		Plan: &PlanContent{PlanID: "s1.2026-2027.VT", Term: vt, Created: true, TemplateID: "iup", TemplateVersion: 1, Title: "IUP VT",
			Start: d("2027-01-08"), End: d("2027-06-12"), Fields: vtFields, Goals: []Goal{}, Agreements: []Agreement{}, Legacy: []LegacyDocument{}, Revision: 1},
		Assessments: []EntryContent{{RoundID: "r2", CourseID: "c2", Subject: "MA", CourseName: "Matematik 4A", Title: "Matematik VT", Term: vt,
			Steps: []assessment.ScaleStep{}, FreeText: true, SelfComment: "Jag kan multiplikation", Amendments: []Amendment{}}}}
}

func wantRecord() Record {
	return Record{ConferenceID: "k1", StudentID: "s1", Term: ht, HeldAt: at("2026-11-12T15:00:00Z"), Attendees: []string{"s1", "gA", "m1"},
		Notes: "Intern anteckning om hemmet", Agreements: []string{"Läsa 20 minuter varje dag"},
		ActionProgramme:  &ActionProgramme{Note: "Åtgärdsprogram utreds"},
		Acknowledgements: wantAcks(), PlanStream: htStream, PlanVersion: 6,
		Plan: func() *PlanContent {
			p := wantHTPlanContent("Extra lästräning i oktober", []Agreement{}, 6)
			return p
		}(),
		Entries: []RecordEntry{{Stream: r1Entry, Version: 1, EntryContent: EntryContent{RoundID: "r1", CourseID: "c1", Subject: "SV",
			CourseName: "Svenska 4A", Title: "Svenska HT", Term: ht, Steps: steps, Level: "2", Comment: "Oktobertext: läser flytande", Amendments: []Amendment{}}}}}
}

func TestWholeViews(t *testing.T) {
	events := history(false).Events()
	t.Run("guardian view: a document per guardian and one per child, with guardian-visible fields", func(t *testing.T) {
		compare(t, projectiontest.View(t, GuardianView, events), map[string]any{
			GuardianKey(tn, "gA"): wantGuardian("gA"),
			GuardianKey(tn, "gB"): wantGuardian("gB", relations.Period{ID: "gB", From: d("2027-01-15")}),
			ChildKey(tn, "s1"):    wantChild(),
		})
	})
	t.Run("student view: student-visible fields and own self-assessments", func(t *testing.T) {
		compare(t, projectiontest.View(t, StudentView, events), map[string]any{StudentKey(tn, "s1"): wantStudent()})
	})
	t.Run("term snapshots: omdömen by their round's term, the February amendment in HT only", func(t *testing.T) {
		compare(t, projectiontest.View(t, TermSnapshot, events), map[string]any{
			TermSnapshotKey(tn, "s1", ht): wantHTSnapshot(),
			TermSnapshotKey(tn, "s1", vt): wantVTSnapshot(),
		})
	})
	t.Run("conference record: the plan and entry as pinned in November, not the December edits", func(t *testing.T) {
		compare(t, projectiontest.View(t, ConferenceRecord, events), map[string]any{ConferenceRecordKey(tn, "k1"): wantRecord()})
	})
}
