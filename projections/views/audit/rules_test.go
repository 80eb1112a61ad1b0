package audit

import (
	"testing"

	"github.com/iup-platform/iup/domain"
	"github.com/iup-platform/iup/domain/assessment"
	"github.com/iup-platform/iup/domain/conference"
	"github.com/iup-platform/iup/domain/plan"
	"github.com/iup-platform/iup/domain/risk"
	"github.com/iup-platform/iup/domain/roster"
	"github.com/iup-platform/iup/domain/setup"
	"github.com/iup-platform/iup/projections/projectiontest"
)

func TestRoundEventsGoToTheCourseTrail(t *testing.T) {
	evs := projectiontest.NewLog().
		Add("rostercourse-kommun.ma1", day("2026-08-10"), admin,
			roster.CourseCreated{CourseID: "ma1", SchoolID: "sk1", Subject: "MA", Name: "MA 4A", Term: ht},
			roster.CourseTeacherAssigned{CourseID: "ma1", StaffID: "t1", EffectiveFrom: d("2026-08-17")},
			roster.StudentsEnrolled{CourseID: "ma1", StudentIDs: []string{"s2", "s1"}, EffectiveFrom: d("2026-08-17")}).
		Add("assessmentround-kommun.r1", day("2026-09-01"), teacher,
			assessment.RoundCreated{RoundID: "r1", CourseID: "ma1", Term: ht, Title: "MA HT", ScaleID: "s3"},
			assessment.RoundSelfAssessmentChanged{RoundID: "r1", Allowed: true}).
		Add("assessmentround-kommun.r1", day("2026-12-15"), adminFor,
			assessment.RoundPublished{RoundID: "r1", PublishAt: day("2026-12-16"), OnBehalfOf: "t1"},
			assessment.RoundUnpublished{RoundID: "r1", OnBehalfOf: "t1"}).
		Add("assessmentround-kommun.r9", day("2026-12-15"), teacher2,
			assessment.RoundPublished{RoundID: "r9", PublishAt: day("2026-12-16")}).
		Add("assessmentstudentterm-kommun.s1.2026-2027.HT", day("2026-12-15"), teacher,
			assessment.EntryIndexed{StudentID: "s1", Term: ht, RoundID: "r1", CourseID: "ma1"}).
		Add("rostercourse-kommun.ma1", day("2027-01-10"), admin,
			roster.StudentsUnenrolled{CourseID: "ma1", StudentIDs: []string{"s2"}, EffectiveFrom: d("2027-01-10")},
			roster.CourseTeacherEnded{CourseID: "ma1", StaffID: "t1", EffectiveFrom: d("2027-01-10")}).
		Events()
	x := newExpect()
	course := func(i int, what string) Entry {
		e := env(evs[i])
		e.CourseID, e.What = "ma1", what
		return e
	}
	x.entry(course(0, "course"), false, "ma1")
	x.entry(course(1, "teacher:t1"), false, "ma1")
	enrol := course(2, "enrolment")
	enrol.StudentIDs = []string{"s1", "s2"}
	x.entry(enrol, false, "ma1", "s2", "s1")
	for i, what := range []string{"round", "self_assessment", "published", "published"} {
		e := course(3+i, what)
		e.RoundID = "r1"
		x.entry(e, false, "ma1")
	}
	unknown := env(evs[7])
	unknown.RoundID, unknown.What = "r9", "published"
	x.entry(unknown, false, "")
	index := env(evs[8])
	index.CourseID, index.RoundID, index.What = "ma1", "r1", "index"
	x.entry(index, false, "")
	unenrol := course(9, "enrolment")
	unenrol.StudentIDs = []string{"s2"}
	x.entry(unenrol, false, "ma1", "s2")
	x.entry(course(10, "teacher:t1"), false, "ma1")
	x.docs[roundKey(tenant, "r1")] = roundDoc{CourseID: "ma1"}

	v := projectiontest.View(t, Projection, evs)
	wantView(t, v, x.view())
	if _, ok := v[StudentKey(tenant, "s1")]; !ok {
		t.Fatal("the enrolled student has no trail")
	}
}

func TestPlanChanges(t *testing.T) {
	const pid = "s1.2026-2027.HT"
	evs := projectiontest.NewLog().
		Add(planStream, day("2026-09-01"), mentor,
			plan.Created{PlanID: pid, StudentID: "s1", Term: ht, TemplateID: "iup", TemplateVersion: 1, Title: "IUP",
				Start: d("2026-08-17"), End: d("2026-12-20")},
			plan.FieldSet{PlanID: pid, StudentID: "s1", Key: "health", Text: "Astma.", Sensitive: true},
			plan.FieldSet{PlanID: pid, StudentID: "s1", Key: "health", Text: "Astma, pauser.", Sensitive: true},
			plan.GoalAdded{PlanID: pid, StudentID: "s1", GoalID: "g-1", Text: "Läsa varje dag.", Owner: plan.OwnerStudent, FollowUp: d("2026-12-01")},
			plan.GoalEdited{PlanID: pid, StudentID: "s1", GoalID: "g-1", Text: "Läsa 20 minuter varje dag.", Owner: plan.OwnerStudent, FollowUp: d("2026-12-01")},
			plan.GoalEvaluated{PlanID: pid, StudentID: "s1", GoalID: "g-1", Outcome: plan.PartlyMet},
			plan.GoalEvaluated{PlanID: pid, StudentID: "s1", GoalID: "g-1", Outcome: plan.Met, Comment: "Klart."},
			plan.AgreementsRecorded{PlanID: pid, StudentID: "s1", ConferenceID: "k1", Agreements: []string{"Läxhjälp.", "Mer läsning."}},
			plan.Published{PlanID: pid, StudentID: "s1"},
			plan.Unpublished{PlanID: pid, StudentID: "s1"},
			plan.Archived{PlanID: pid, StudentID: "s1"}).
		Add(planStream, day("2027-02-01"), domain.Actor{Tenant: tenant, ID: "adm", Role: domain.RoleAdmin, OnBehalfOf: "m1"},
			plan.LegacyDocumentAttached{PlanID: pid, StudentID: "s1", Term: ht, DocumentID: "doc1", FileName: "iup.pdf",
				MediaType: "application/pdf", Size: 10, SHA256: "ab", Reason: "Saknades.", OnBehalfOf: "m1"},
			plan.FieldSet{PlanID: pid, StudentID: "s1", Key: "school", Text: "Extra stöd.", CourseID: "ma1", Reason: "Rättelse.", OnBehalfOf: "m1"}).
		Events()
	x := newExpect()
	e := func(i int, what string) Entry {
		en := env(evs[i])
		en.StudentID, en.PlanID, en.What = "s1", pid, what
		return en
	}
	x.entry(e(0, "plan"), false, "", "s1")
	f1 := e(1, "field:health")
	f1.After, f1.Sensitive = ref(evs[1], Value{Text: "Astma."}), true
	x.entry(f1, true, "", "s1")
	f2 := e(2, "field:health")
	f2.Before, f2.After, f2.Sensitive = f1.After, ref(evs[2], Value{Text: "Astma, pauser."}), true
	x.entry(f2, true, "", "s1")
	g1 := e(3, "goal:g-1")
	g1.After = ref(evs[3], Value{Text: "Läsa varje dag."})
	x.entry(g1, true, "", "s1")
	g2 := e(4, "goal:g-1")
	g2.Before, g2.After = g1.After, ref(evs[4], Value{Text: "Läsa 20 minuter varje dag."})
	x.entry(g2, true, "", "s1")
	ev1 := e(5, "evaluation:g-1")
	ev1.After = ref(evs[5], Value{Level: "partly-met"})
	x.entry(ev1, false, "", "s1")
	ev2 := e(6, "evaluation:g-1")
	ev2.Before, ev2.After = ev1.After, ref(evs[6], Value{Level: "met", Text: "Klart."})
	x.entry(ev2, true, "", "s1")
	ag := e(7, "agreements:k1")
	ag.After = ref(evs[7], Value{Texts: []string{"Läxhjälp.", "Mer läsning."}})
	x.entry(ag, true, "", "s1")
	x.entry(e(8, "published"), false, "", "s1")
	x.entry(e(9, "published"), false, "", "s1")
	x.entry(e(10, "archived"), false, "", "s1")
	doc := e(11, "document:doc1")
	doc.Reason = "Saknades."
	x.entry(doc, true, "", "s1")
	corr := e(12, "field:school")
	corr.CourseID, corr.After, corr.Reason = "ma1", ref(evs[12], Value{Text: "Extra stöd."}), "Rättelse."
	x.entry(corr, true, "", "s1")
	x.docs[prevKey(tenant, planStream)] = prevOf(map[string]Value{
		"field:health": *f2.After, "goal:g-1": *g2.After, "evaluation:g-1": *ev2.After, "agreements:k1": *ag.After, "field:school": *corr.After})
	x.docs[streamsKey(tenant, "s1")] = streamsDoc{Streams: []string{planStream}}

	v := projectiontest.View(t, Projection, evs)
	wantView(t, v, x.view())
	t.Run("the admin's correction names whom it was made for", func(t *testing.T) {
		got, _, err := Page(reader(v), tenant, KindActor, "adm", "", 0)
		if err != nil || len(got) != 2 || got[0].OnBehalfOf != "m1" || got[0].Role != domain.RoleAdmin {
			t.Fatalf("%v %+v", err, got)
		}
	})
}

func TestRiskConferenceAndSelfAssessment(t *testing.T) {
	const riskStream = "risksignal-kommun.s1.MA"
	student := domain.Actor{Tenant: tenant, ID: "s1", Role: domain.RoleStudent}
	evs := projectiontest.NewLog().
		Add(riskStream, day("2026-10-01"), teacher,
			risk.RiskSignalled{StudentID: "s1", Subject: "MA", Term: ht, CourseID: "ma1", Grade: 3, DutyYear: true, Note: "Missar prov."},
			risk.RiskSignalled{StudentID: "s1", Subject: "MA", Term: ht, CourseID: "ma1", Grade: 3, DutyYear: true, Note: "Missar prov och läxor."},
			risk.RiskWithdrawn{StudentID: "s1", Subject: "MA", Reason: "Ikapp."},
			risk.RiskSignalled{StudentID: "s1", Subject: "MA", Term: ht, Grade: 3}).
		Add(entryStream, day("2026-10-02"), student,
			assessment.SelfLevelSet{RoundID: "r1", StudentID: "s1", Level: "E"},
			assessment.SelfCommentSet{RoundID: "r1", StudentID: "s1", Comment: "Jag kan mer nu."}).
		Add(entryStream, day("2026-10-03"), teacher,
			assessment.EntryLevelSet{RoundID: "r1", StudentID: "s1", Level: "C"},
			assessment.EntryWithdrawn{RoundID: "r1", StudentID: "s1", Reason: "Fel elev."},
			assessment.EntryLevelSet{RoundID: "r1", StudentID: "s1", Level: "E"}).
		Add("conference-kommun.k2", day("2026-10-04"), mentor,
			conference.Scheduled{ConferenceID: "k2", StudentID: "s1", Term: ht, At: day("2026-10-10"), Place: "Rum 1"},
			conference.Rescheduled{ConferenceID: "k2", StudentID: "s1", At: day("2026-10-11"), Place: "Rum 2"},
			conference.Cancelled{ConferenceID: "k2", StudentID: "s1", Reason: "Sjuk."},
			conference.ActionProgrammeConsidered{ConferenceID: "k2", StudentID: "s1", SupportMatter: true}).
		Events()
	x := newExpect()
	r := func(i int) Entry {
		en := env(evs[i])
		en.StudentID, en.What = "s1", "risk:MA"
		return en
	}
	r0 := r(0)
	r0.CourseID, r0.After = "ma1", ref(evs[0], Value{Text: "Missar prov."})
	x.entry(r0, true, "", "s1")
	r1 := r(1)
	r1.CourseID, r1.Before, r1.After = "ma1", r0.After, ref(evs[1], Value{Text: "Missar prov och läxor."})
	x.entry(r1, true, "", "s1")
	r2 := r(2)
	r2.Reason = "Ikapp."
	x.entry(r2, true, "", "s1")
	r3 := r(3)
	r3.Before, r3.After = ref(evs[2], Value{}), ref(evs[3], Value{})
	x.entry(r3, false, "", "s1")
	a := func(i int, what string) Entry {
		en := env(evs[i])
		en.StudentID, en.RoundID, en.What = "s1", "r1", what
		return en
	}
	sl := a(4, "self_level")
	sl.After = ref(evs[4], Value{Level: "E"})
	x.entry(sl, false, "", "s1")
	sc := a(5, "self_comment")
	sc.After = ref(evs[5], Value{Text: "Jag kan mer nu."})
	x.entry(sc, true, "", "s1")
	l1 := a(6, "level")
	l1.After = ref(evs[6], Value{Level: "C"})
	x.entry(l1, false, "", "s1")
	w := a(7, "withdrawn")
	w.Reason = "Fel elev."
	x.entry(w, true, "", "s1")
	l2 := a(8, "level")
	l2.Before, l2.After = ref(evs[7], Value{}), ref(evs[8], Value{Level: "E"})
	x.entry(l2, false, "", "s1")
	for i := 9; i <= 12; i++ {
		c := env(evs[i])
		c.StudentID, c.What = "s1", "conference:k2"
		if i == 11 {
			c.Reason = "Sjuk."
		}
		x.entry(c, i != 12, "", "s1")
	}
	x.docs[prevKey(tenant, riskStream)] = prevOf(map[string]Value{"risk:MA": *r3.After})
	x.docs[prevKey(tenant, entryStream)] = prevOf(map[string]Value{
		"self_level": *sl.After, "self_comment": *sc.After, "level": *l2.After, "comment": *ref(evs[7], Value{})})
	x.docs[streamsKey(tenant, "s1")] = streamsDoc{Streams: []string{entryStream, riskStream}}

	wantView(t, projectiontest.View(t, Projection, evs), x.view())
}

func TestRosterAndSetupEvents(t *testing.T) {
	importer := domain.Actor{Tenant: tenant, Role: domain.RoleSystem}
	evs := projectiontest.NewLog().
		Add("rosterstudent-kommun.s1", day("2026-08-01"), importer,
			roster.StudentRegistered{StudentID: "s1", SchoolID: "sk1", Grade: 3, SchoolForm: "grundskola", DisplayName: "Ella", Protected: "none", EffectiveFrom: d("2026-08-17")}).
		Add("rosterstudent-kommun.s1", day("2026-08-02"), admin,
			roster.StudentRenamed{StudentID: "s1", DisplayName: "Elin"},
			roster.StudentDetailsChanged{StudentID: "s1", Grade: 4, SchoolForm: "grundskola", EffectiveFrom: d("2026-08-17")},
			roster.StudentProtectionChanged{StudentID: "s1", Protected: "sekretessmarkering", EffectiveFrom: d("2026-08-17")},
			roster.GuardianLinked{StudentID: "s1", GuardianID: "g1", Relation: "vardnadshavare", EffectiveFrom: d("2026-08-17")},
			roster.GuardianRestricted{StudentID: "s1", GuardianID: "g1", EffectiveFrom: d("2026-09-01")},
			roster.GuardianRestrictionLifted{StudentID: "s1", GuardianID: "g1", EffectiveFrom: d("2026-10-01")},
			roster.GuardianUnlinked{StudentID: "s1", GuardianID: "g1", EffectiveFrom: d("2027-01-01")},
			roster.MentorAssigned{StudentID: "s1", StaffID: "m1", EffectiveFrom: d("2026-08-17")},
			roster.MentorEnded{StudentID: "s1", StaffID: "m1", EffectiveFrom: d("2027-01-01")},
			roster.StudentMoved{StudentID: "s1", FromSchoolID: "sk1", SchoolID: "sk2", EffectiveFrom: d("2027-01-01")},
			roster.StudentLeft{StudentID: "s1", EffectiveFrom: d("2027-06-15")}).
		Add("rosterstaff-kommun.m1", day("2026-08-02"), admin,
			roster.StaffRegistered{StaffID: "m1", DisplayName: "Mats"},
			roster.StaffRenamed{StaffID: "m1", DisplayName: "Mats Ö"},
			roster.StaffRoleGranted{StaffID: "m1", Role: domain.RoleMentor, SchoolID: "sk1", EffectiveFrom: d("2026-08-17")},
			roster.StaffRoleEnded{StaffID: "m1", Role: domain.RoleMentor, SchoolID: "sk1", EffectiveFrom: d("2027-06-15")}).
		Add("rosterguardian-kommun.g1", day("2026-08-02"), admin,
			roster.GuardianRegistered{GuardianID: "g1", DisplayName: "Gun"},
			roster.GuardianRenamed{GuardianID: "g1", DisplayName: "Gunilla"}).
		Add("setuporganiser-kommun.settings", day("2026-08-02"), admin,
			setup.TimeZoneSet{TimeZone: "Europe/Stockholm"},
			setup.SupportVisibilitySet{ShowSupportToHome: true}).
		Events()
	x := newExpect()
	whats := []string{"school:sk1", "name", "details", "protection", "guardian:g1", "guardian:g1", "guardian:g1", "guardian:g1",
		"mentor:m1", "mentor:m1", "school:sk2", "left"}
	for i, what := range whats {
		e := env(evs[i])
		e.StudentID, e.What = "s1", what
		x.entry(e, i == 0 || i == 1 || i == 3, "", "s1")
	}
	for i := len(whats); i < len(evs); i++ {
		x.entry(env(evs[i]), false, "")
	}
	v := projectiontest.View(t, Projection, evs)
	wantView(t, v, x.view())
	t.Run("an event without an actor id lands in no actor trail", func(t *testing.T) {
		for k := range v {
			if k == ActorKey(tenant, "") {
				t.Fatal("an actor trail without an id")
			}
		}
	})
}
