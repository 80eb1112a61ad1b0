package plan_test

import (
	"context"
	"testing"
	"time"

	"github.com/iup-platform/iup/domain"
	"github.com/iup-platform/iup/domain/domaintest"
	"github.com/iup-platform/iup/domain/plan"
	"github.com/iup-platform/iup/domain/roster"
	"github.com/iup-platform/iup/domain/setup"
)

var (
	ctx    = context.Background()
	sysAct = domain.Actor{Tenant: "t1", ID: "import", Role: domain.RoleSystem}
	aug    = domain.MustDate("2026-08-01")
	tplV1  = setup.TemplateVersionCreated{TemplateID: "tpl", Version: 1, Title: "IUP", Fields: []setup.Field{
		{Key: "school", Heading: "Skolan", VisibleTo: domain.Roles, EditableBy: []domain.Role{domain.RoleMentor, domain.RoleTeacher}},
		{Key: "home", Heading: "Hemmet", VisibleTo: domain.Roles, EditableBy: []domain.Role{domain.RoleGuardian, domain.RoleStudent}},
	}}
)

// seed writes the organiser's setup and a roster: students s1-s3 in
// school1 with mentor m1 (m2 mentors s3 only), guardians g1 and g2 of s1
// (g2 restricted), and course ma-7b taught by t1 with s1 enrolled.
func seed(t *testing.T) *domaintest.MemLog {
	t.Helper()
	log := domaintest.NewMemLog()
	log.Put(setup.SchoolYearStream("t1", "2026-2027"), now, sysAct, setup.SchoolYearCreated{SchoolYearID: "2026-2027", Terms: []setup.Term{
		{Kind: domain.HT, Start: domain.MustDate("2026-08-17"), End: domain.MustDate("2026-12-20")},
		{Kind: domain.VT, Start: domain.MustDate("2027-01-07"), End: domain.MustDate("2027-06-11")},
	}})
	log.Put(setup.TemplateStream("t1", "tpl"), now, sysAct, tplV1)
	for _, s := range []string{"s1", "s2", "s3"} {
		mentor := "m1"
		if s == "s3" {
			mentor = "m2"
		}
		log.Put(roster.StudentStream("t1", s), now, sysAct,
			roster.StudentRegistered{StudentID: s, SchoolID: "school1", Grade: 4, SchoolForm: "grundskola", EffectiveFrom: aug},
			roster.MentorAssigned{StudentID: s, StaffID: mentor, EffectiveFrom: aug})
	}
	log.Put(roster.StudentStream("t1", "s1"), now, sysAct,
		roster.GuardianLinked{StudentID: "s1", GuardianID: "g1", Relation: roster.RelationGuardian, EffectiveFrom: aug},
		roster.GuardianLinked{StudentID: "s1", GuardianID: "g2", Relation: roster.RelationGuardian, EffectiveFrom: aug},
		roster.GuardianRestricted{StudentID: "s1", GuardianID: "g2", EffectiveFrom: aug})
	log.Put(roster.CourseStream("t1", "ma-7b"), now, sysAct,
		roster.CourseCreated{CourseID: "ma-7b", SchoolID: "school1", Subject: "MA", Name: "Matematik 4", Term: ht},
		roster.CourseTeacherAssigned{CourseID: "ma-7b", StaffID: "t1", EffectiveFrom: aug},
		roster.StudentsEnrolled{CourseID: "ma-7b", StudentIDs: []string{"s1"}, EffectiveFrom: aug})
	return log
}

func bulk(students ...string) plan.CreateMany {
	return plan.CreateMany{Meta: mentor, TemplateID: "tpl", Term: ht, Title: "IUP HT 2026",
		Start: domain.MustDate("2026-08-17"), End: domain.MustDate("2026-12-20"), StudentIDs: students}
}

func statuses(out []plan.BulkOutcome) map[string]plan.Status {
	m := map[string]plan.Status{}
	for _, o := range out {
		m[o.StudentID] = o.Status
	}
	return m
}

func TestHandleCreateMany(t *testing.T) {
	t.Run("bulk creation run twice creates each plan once and reports unchanged the second time", func(t *testing.T) {
		log := seed(t)
		first, err := plan.HandleCreateMany(ctx, log, bulk("s1", "s2"))
		if err != nil {
			t.Fatal(err)
		}
		if got := statuses(first); got["s1"] != plan.StatusCreated || got["s2"] != plan.StatusCreated {
			t.Fatalf("first run: %+v", first)
		}
		second, err := plan.HandleCreateMany(ctx, log, bulk("s1", "s2"))
		if err != nil {
			t.Fatal(err)
		}
		if got := statuses(second); got["s1"] != plan.StatusUnchanged || got["s2"] != plan.StatusUnchanged {
			t.Fatalf("second run: %+v", second)
		}
		for _, s := range []string{"s1", "s2"} {
			stream := log.Stream(plan.Stream("t1", s, ht))
			if len(stream) != 1 {
				t.Fatalf("%s has %d events", s, len(stream))
			}
			if c := stream[0].Event.(plan.Created); c.TemplateVersion != 1 || c.PlanID != plan.ID(s, ht) || len(c.Fields) != 2 {
				t.Fatalf("created %+v", c)
			}
		}
	})
	t.Run("each student is reported: a student the mentor does not mentor is refused, the rest created", func(t *testing.T) {
		log := seed(t)
		out, err := plan.HandleCreateMany(ctx, log, bulk("s1", "s3", "s1", "nobody"))
		if err != nil {
			t.Fatal(err)
		}
		if len(out) != 4 || out[0].Status != plan.StatusCreated ||
			out[1].Status != plan.StatusRefused || out[1].Code != domain.CodeForbidden || out[1].Message == "" ||
			out[2].Status != plan.StatusRefused || out[2].Code != domain.CodeInvalid ||
			out[3].Status != plan.StatusRefused || out[3].Code != domain.CodeForbidden {
			t.Fatalf("outcomes %+v", out)
		}
		if len(log.Stream(plan.Stream("t1", "s3", ht))) != 0 {
			t.Fatal("a refused plan was written")
		}
	})
	t.Run("an empty or oversized bulk is refused", func(t *testing.T) {
		if _, err := plan.HandleCreateMany(ctx, seed(t), bulk()); !domain.IsCode(err, domain.CodeInvalid) {
			t.Fatalf("err = %v", err)
		}
		if _, err := plan.HandleCreateMany(ctx, seed(t), bulk(make([]string, plan.MaxBulkPlans+1)...)); !domain.IsCode(err, domain.CodeInvalid) {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("a plan keeps its template version when the template gets a new one", func(t *testing.T) {
		log := seed(t)
		if _, err := plan.HandleCreate(ctx, log, plan.Create{Meta: mentor, Target: target, TemplateID: "tpl", Title: "IUP",
			Start: domain.MustDate("2026-08-17"), End: domain.MustDate("2026-12-20")}); err != nil {
			t.Fatal(err)
		}
		v2 := tplV1
		v2.Version = 2
		v2.Fields = append(v2.Fields, setup.Field{Key: "extra", Heading: "Extra", VisibleTo: domain.Roles, EditableBy: []domain.Role{domain.RoleMentor}})
		log.Put(setup.TemplateStream("t1", "tpl"), now, sysAct, v2)
		_, err := plan.Handle(ctx, log, plan.SetField{Meta: mentor, Target: target, Key: "extra", Text: "x"}, nil)
		if !domain.IsCode(err, domain.CodeNotFound) {
			t.Fatalf("err = %v", err)
		}
	})
}

func TestHandleFieldEdits(t *testing.T) {
	log := seed(t)
	if _, err := plan.HandleCreateMany(ctx, log, bulk("s1")); err != nil {
		t.Fatal(err)
	}
	edit := func(m domain.Meta, key, course string) error {
		_, err := plan.Handle(ctx, log, plan.SetField{Meta: m, Target: target, Key: key, Text: "text by " + m.Actor.ID, CourseID: course}, nil)
		return err
	}
	t.Run("a restricted guardian is refused the field edit the other guardian may do", func(t *testing.T) {
		if err := edit(meta(domain.RoleGuardian, "g1"), "home", ""); err != nil {
			t.Fatalf("guardian g1: %v", err)
		}
		if err := edit(meta(domain.RoleGuardian, "g2"), "home", ""); !domain.IsCode(err, domain.CodeForbidden) {
			t.Fatalf("restricted guardian g2: %v", err)
		}
	})
	t.Run("a teacher who teaches the student in the named course writes; another course is refused", func(t *testing.T) {
		if err := edit(teacher, "school", "ma-7b"); err != nil {
			t.Fatalf("teacher: %v", err)
		}
		if err := edit(teacher, "school", "sv-7b"); !domain.IsCode(err, domain.CodeForbidden) {
			t.Fatalf("unknown course: %v", err)
		}
		if err := edit(meta(domain.RoleTeacher, "t2"), "school", "ma-7b"); !domain.IsCode(err, domain.CodeForbidden) {
			t.Fatalf("other teacher: %v", err)
		}
	})
	t.Run("a field the template does not let the role edit is refused", func(t *testing.T) {
		if err := edit(meta(domain.RoleGuardian, "g1"), "school", ""); !domain.IsCode(err, domain.CodeForbidden) {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("edits are appended with their actor, and the same text again appends nothing", func(t *testing.T) {
		before := len(log.Stream(plan.Stream("t1", "s1", ht)))
		if err := edit(mentor, "school", ""); err != nil {
			t.Fatal(err)
		}
		if err := edit(mentor, "school", ""); err != nil {
			t.Fatal(err)
		}
		stream := log.Stream(plan.Stream("t1", "s1", ht))
		if len(stream) != before+1 || stream[len(stream)-1].Actor.ID != "m1" {
			t.Fatalf("stream grew from %d to %d", before, len(stream))
		}
	})
	t.Run("a malformed student id loads no facts and is refused", func(t *testing.T) {
		_, err := plan.Handle(ctx, log, plan.Publish{Meta: mentor, Target: plan.Target{StudentID: "a b", Term: ht}}, nil)
		if !domain.IsCode(err, domain.CodeInvalid) {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("If-Match on an older version fails as a precondition", func(t *testing.T) {
		v := domain.Version(0)
		_, err := plan.Handle(ctx, log, plan.Publish{Meta: mentor, Target: target}, &v)
		if !domain.IsCode(err, domain.CodePreconditionFailed) {
			t.Fatalf("err = %v", err)
		}
	})
}

// The time a decision is made decides the relation: a mentor whose
// assignment ended is no longer the mentor.
func TestHandleUsesTheOrganisersDay(t *testing.T) {
	log := seed(t)
	log.Put(roster.StudentStream("t1", "s2"), now, sysAct, roster.MentorEnded{StudentID: "s2", StaffID: "m1", EffectiveFrom: domain.MustDate("2026-11-03")})
	c := plan.Create{Meta: mentor, Target: plan.Target{StudentID: "s2", Term: ht}, TemplateID: "tpl", Title: "IUP",
		Start: domain.MustDate("2026-08-17"), End: domain.MustDate("2026-12-20")}
	// 23:30 UTC on 2 November is already 3 November in Stockholm.
	c.Now = time.Date(2026, 11, 2, 23, 30, 0, 0, time.UTC)
	if _, err := plan.HandleCreate(ctx, log, c); !domain.IsCode(err, domain.CodeForbidden) {
		t.Fatalf("err = %v", err)
	}
	c.Now = time.Date(2026, 11, 2, 22, 30, 0, 0, time.UTC)
	if _, err := plan.HandleCreate(ctx, log, c); err != nil {
		t.Fatalf("err = %v", err)
	}
}

func TestHandleLifecycle(t *testing.T) {
	t.Run("a plan goes through goals, agreements, publication, archive and correction by the handler", func(t *testing.T) {
		log := seed(t)
		if _, err := plan.HandleCreateMany(ctx, log, bulk("s1")); err != nil {
			t.Fatal(err)
		}
		corr := admin
		for i, c := range []plan.Command{
			plan.AddGoal{Meta: mentor, Target: target, GoalID: "g1", Text: "Läsa", Owner: plan.OwnerStudent, FollowUp: followUp},
			plan.EditGoal{Meta: mentor, Target: target, GoalID: "g1", Text: "Läsa mer", Owner: plan.OwnerStudent, FollowUp: followUp},
			plan.EvaluateGoal{Meta: mentor, Target: target, GoalID: "g1", Outcome: plan.Met},
			plan.RecordAgreements{Meta: mentor, Target: target, ConferenceID: "c1", Agreements: []string{"Läxhjälp"}},
			plan.AttachLegacyDocument{Meta: mentor, Target: target, DocumentID: "d1", FileName: "gammal.docx",
				MediaType: "application/vnd.openxmlformats-officedocument.wordprocessingml.document", Size: 10, SHA256: "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"},
			plan.Publish{Meta: mentor, Target: target},
			plan.Unpublish{Meta: mentor, Target: target},
			plan.Archive{Meta: mentor, Target: target},
			plan.SetField{Meta: corr, Target: target, Key: "school", Text: "Rättat", Reason: "Fel elev"},
		} {
			res, err := plan.Handle(ctx, log, c, nil)
			if err != nil || len(res.Events) != 1 {
				t.Fatalf("step %d (%T): %+v, %v", i, c, res, err)
			}
		}
		s, v, err := domain.Load(ctx, log, plan.Decider, plan.Stream("t1", "s1", ht))
		if err != nil || v != 9 || !s.Archived || s.Texts["school"] != "Rättat" || len(s.Documents) != 1 {
			t.Fatalf("state at %d: %+v, %v", v, s, err)
		}
	})
}
