package roster_test

import (
	"context"
	"os"
	"slices"
	"testing"

	"github.com/iup-platform/iup/domain"
	"github.com/iup-platform/iup/domain/domaintest"
	"github.com/iup-platform/iup/domain/roster"
	"github.com/iup-platform/iup/domain/setup"
)

var ctx = context.Background()

// world seeds an organiser with two schools, a school year, a subject, a
// principal of s1, a mentor and three students at s1 and one at s2.
func world(t *testing.T) *domaintest.MemLog {
	t.Helper()
	log := domaintest.NewMemLog()
	a := admin.Actor
	log.Put(setup.OrganiserStream("t1"), now, a, setup.SubjectDefined{Code: "MA", Name: "Matematik"})
	for _, s := range []string{"s1", "s2"} {
		log.Put(setup.SchoolStream("t1", s), now, a, setup.SchoolRegistered{SchoolID: s, Name: "Skola " + s, SchoolForms: []string{setup.FormGrundskola}})
	}
	log.Put(setup.SchoolYearStream("t1", "2026-2027"), now, a, setup.SchoolYearCreated{SchoolYearID: "2026-2027", Terms: []setup.Term{
		{Kind: domain.HT, Start: d("2026-08-17"), End: d("2026-12-18")}, {Kind: domain.VT, Start: d("2027-01-07"), End: d("2027-06-11")}}})
	log.Put(roster.StaffStream("t1", "p1"), now, a, roster.StaffRegistered{StaffID: "p1", DisplayName: "Rektor"},
		roster.StaffRoleGranted{StaffID: "p1", Role: domain.RolePrincipal, SchoolID: "s1", EffectiveFrom: d("2026-01-01")})
	log.Put(roster.StaffStream("t1", "m1"), now, a, roster.StaffRegistered{StaffID: "m1", DisplayName: "Mentor"})
	for _, st := range []struct{ id, school string }{{"st1", "s1"}, {"st2", "s1"}, {"st3", "s1"}, {"st4", "s2"}} {
		log.Put(roster.StudentStream("t1", st.id), now, a, roster.StudentRegistered{StudentID: st.id, SchoolID: st.school, Grade: 4,
			SchoolForm: setup.FormGrundskola, Protected: roster.ProtectionNone, DisplayName: "Elev", EffectiveFrom: d("2026-08-17")})
	}
	return log
}

func TestBulkAssignMentor(t *testing.T) {
	t.Run("the bulk mentor assignment reports per student", func(t *testing.T) {
		log := world(t)
		if _, err := roster.HandleStudent(ctx, log, roster.AssignMentor{Meta: admin, StudentID: "st2", StaffID: "m1", EffectiveFrom: d("2026-08-17")}); err != nil {
			t.Fatal(err)
		}
		out, err := roster.AssignMentorToStudents(ctx, log, roster.BulkAssignMentor{Meta: principal, StaffID: "m1",
			StudentIDs: []string{"st1", "st2", "st4", "st9", "st1"}, EffectiveFrom: d("2026-08-17")})
		if err != nil {
			t.Fatal(err)
		}
		want := []struct {
			id, status string
			code       domain.Code
		}{{"st1", roster.StatusOK, ""}, {"st2", roster.StatusUnchanged, ""}, {"st4", roster.StatusError, domain.CodeForbidden}, {"st9", roster.StatusError, domain.CodeNotFound}}
		if len(out) != len(want) {
			t.Fatalf("outcomes = %+v", out)
		}
		for i, w := range want {
			if o := out[i]; o.StudentID != w.id || o.Status != w.status || o.Code != w.code || (w.code != "") != (o.Message != "") {
				t.Errorf("outcome %d = %+v, want %+v", i, o, w)
			}
		}
		s, _, _ := roster.LoadStudent(ctx, log, "t1", "st1")
		if !s.IsMentor("m1", d("2026-09-01")) {
			t.Fatal("st1 did not get the mentor")
		}
		if s4, _, _ := roster.LoadStudent(ctx, log, "t1", "st4"); s4.IsMentor("m1", d("2026-09-01")) {
			t.Fatal("a student of another school got the mentor")
		}
	})
	t.Run("a malformed bulk request is refused as a whole", func(t *testing.T) {
		log := world(t)
		for _, c := range []roster.BulkAssignMentor{
			{Meta: admin, StaffID: "", StudentIDs: []string{"st1"}, EffectiveFrom: d("2026-08-17")},
			{Meta: admin, StaffID: "m1", EffectiveFrom: d("2026-08-17")},
			{Meta: admin, StaffID: "m1", StudentIDs: []string{"st1", "010101-0101"}, EffectiveFrom: d("2026-08-17")},
		} {
			if _, err := roster.AssignMentorToStudents(ctx, log, c); !domain.IsCode(err, domain.CodeInvalid) {
				t.Fatalf("got %v", err)
			}
		}
		if n := len(log.Stream(roster.StudentStream("t1", "st1"))); n != 1 {
			t.Fatalf("st1 has %d events", n)
		}
	})
}

func TestHandleCourse(t *testing.T) {
	log := world(t)
	create := roster.CreateCourse{Meta: principal, CourseID: "c1", SchoolID: "s1", Subject: "MA", Name: "MA 4A", Term: ht}
	t.Run("a principal creates a course at their school with facts loaded from setup", func(t *testing.T) {
		res, err := roster.HandleCourse(ctx, log, create)
		if err != nil || len(res.Events) != 1 {
			t.Fatalf("got %+v, %v", res, err)
		}
		c := create
		c.CourseID, c.Subject = "c2", "SV"
		if _, err := roster.HandleCourse(ctx, log, c); !domain.IsCode(err, domain.CodeNotFound) {
			t.Fatalf("an undefined subject: got %v", err)
		}
		c = create
		c.CourseID, c.Term.SchoolYear = "c3", "2030-2031"
		if _, err := roster.HandleCourse(ctx, log, c); !domain.IsCode(err, domain.CodeNotFound) {
			t.Fatalf("an unknown school year: got %v", err)
		}
	})
	t.Run("a class is enrolled in one command on one stream, and again changes nothing", func(t *testing.T) {
		enrol := roster.EnrolStudents{Meta: principal, CourseID: "c1", StudentIDs: []string{"st1", "st2", "st3"}, EffectiveFrom: d("2026-08-17")}
		res, err := roster.HandleCourse(ctx, log, enrol)
		if err != nil || len(res.Events) != 1 {
			t.Fatalf("got %+v, %v", res, err)
		}
		again, err := roster.HandleCourse(ctx, log, enrol)
		if err != nil || len(again.Events) != 0 || again.Version != res.Version {
			t.Fatalf("repeat = %+v, %v", again, err)
		}
		enrol.StudentIDs = []string{"st1", "nobody"}
		if _, err := roster.HandleCourse(ctx, log, enrol); !domain.IsCode(err, domain.CodeNotFound) {
			t.Fatalf("a missing student: got %v", err)
		}
		c, _, _ := roster.LoadCourse(ctx, log, "t1", "c1")
		if got := c.Enrolled(d("2026-09-01")); !slices.Equal(got, []string{"st1", "st2", "st3"}) {
			t.Fatalf("enrolled = %v", got)
		}
	})
	t.Run("a teacher is assigned when the staff member exists", func(t *testing.T) {
		if _, err := roster.HandleCourse(ctx, log, roster.AssignTeacher{Meta: admin, CourseID: "c1", StaffID: "m1", EffectiveFrom: d("2026-08-17")}); err != nil {
			t.Fatal(err)
		}
		if _, err := roster.HandleCourse(ctx, log, roster.AssignTeacher{Meta: admin, CourseID: "c1", StaffID: "x9", EffectiveFrom: d("2026-08-17")}); !domain.IsCode(err, domain.CodeNotFound) {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("a principal whose role has ended may no longer write", func(t *testing.T) {
		log := world(t)
		log.Put(roster.StaffStream("t1", "p1"), now, admin.Actor, roster.StaffRoleEnded{StaffID: "p1", Role: domain.RolePrincipal, SchoolID: "s1", EffectiveFrom: d("2026-09-01")})
		if _, err := roster.HandleCourse(ctx, log, create); !domain.IsCode(err, domain.CodeForbidden) {
			t.Fatalf("got %v", err)
		}
	})
}

func TestHandlePeople(t *testing.T) {
	log := world(t)
	t.Run("guardians are registered and linked through their handlers", func(t *testing.T) {
		if _, err := roster.HandleGuardian(ctx, log, roster.RegisterGuardian{Meta: principal, GuardianID: "gA", DisplayName: "Maria"}); err != nil {
			t.Fatal(err)
		}
		if _, err := roster.HandleStudent(ctx, log, roster.LinkGuardian{Meta: principal, StudentID: "st1", GuardianID: "gA",
			Relation: roster.RelationGuardian, EffectiveFrom: d("2026-08-17")}); err != nil {
			t.Fatal(err)
		}
		if _, err := roster.HandleStudent(ctx, log, roster.LinkGuardian{Meta: principal, StudentID: "st1", GuardianID: "gZ",
			Relation: roster.RelationGuardian, EffectiveFrom: d("2026-08-17")}); !domain.IsCode(err, domain.CodeNotFound) {
			t.Fatalf("an unregistered guardian: got %v", err)
		}
		s, _, _ := roster.LoadStudent(ctx, log, "t1", "st1")
		if active, _ := s.GuardianAccess("gA", d("2026-09-01")); !active {
			t.Fatal("guardian not active")
		}
		if g, _, _ := roster.LoadGuardian(ctx, log, "t1", "gA"); !g.Exists {
			t.Fatal("guardian missing")
		}
	})
	t.Run("a student is registered and moved with school facts from setup", func(t *testing.T) {
		if _, err := roster.HandleStudent(ctx, log, roster.RegisterStudent{Meta: admin, StudentID: "st5", SchoolID: "s1", Grade: 2,
			SchoolForm: setup.FormGrundskola, DisplayName: "Ny", EffectiveFrom: d("2026-08-17")}); err != nil {
			t.Fatal(err)
		}
		if _, err := roster.HandleStudent(ctx, log, roster.MoveStudent{Meta: principal, StudentID: "st5", SchoolID: "s2", EffectiveFrom: d("2027-01-07")}); err != nil {
			t.Fatal(err)
		}
		if _, err := roster.HandleStudent(ctx, log, roster.MoveStudent{Meta: admin, StudentID: "st5", SchoolID: "s9", EffectiveFrom: d("2027-02-07")}); !domain.IsCode(err, domain.CodeNotFound) {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("staff roles are granted at existing schools", func(t *testing.T) {
		if _, err := roster.HandleStaff(ctx, log, roster.GrantRole{Meta: principal, StaffID: "m1", Role: domain.RoleMentor, SchoolID: "s1", EffectiveFrom: d("2026-08-01")}); err != nil {
			t.Fatal(err)
		}
		s, _, _ := roster.LoadStaff(ctx, log, "t1", "m1")
		if !s.HasRole(domain.RoleMentor, "s1", d("2026-09-01")) {
			t.Fatalf("roles = %+v", s.Roles)
		}
	})
	t.Run("a bad tenant or id is refused before anything is read", func(t *testing.T) {
		m := admin
		m.Actor.Tenant = ""
		for _, err := range []error{
			second(roster.HandleStudent(ctx, log, roster.RenameStudent{Meta: m, StudentID: "st1", DisplayName: "X"})),
			second(roster.HandleStudent(ctx, log, roster.RenameStudent{Meta: admin, StudentID: "200001011234", DisplayName: "X"})),
			second(roster.HandleStaff(ctx, log, roster.RenameStaff{Meta: m, StaffID: "m1", DisplayName: "X"})),
			second(roster.HandleGuardian(ctx, log, roster.RenameGuardian{Meta: m, GuardianID: "gA", DisplayName: "X"})),
			second(roster.HandleCourse(ctx, log, roster.EndTeacher{Meta: m, CourseID: "c1", StaffID: "m1", EffectiveFrom: d("2026-09-01")})),
		} {
			if !domain.IsCode(err, domain.CodeInvalid) {
				t.Fatalf("got %v", err)
			}
		}
	})
	t.Run("the roster answers setup's question who leads a school", func(t *testing.T) {
		fields := []setup.Field{{Key: "goal", Heading: "Mål", VisibleTo: []domain.Role{domain.RoleMentor}, EditableBy: []domain.Role{domain.RoleMentor}}}
		if _, err := setup.HandleTemplate(ctx, log, roster.IsPrincipal(log), setup.CreateTemplate{Meta: principal, TemplateID: "tp1", Title: "IUP", SchoolID: "s1", Fields: fields}); err != nil {
			t.Fatal(err)
		}
		_, err := setup.HandleTemplate(ctx, log, roster.IsPrincipal(log), setup.CreateTemplate{Meta: principal, TemplateID: "tp2", Title: "IUP", SchoolID: "s2", Fields: fields})
		if !domain.IsCode(err, domain.CodeForbidden) {
			t.Fatalf("got %v", err)
		}
	})
}

func second[T any](_ T, err error) error { return err }

func TestVersion1Fixture(t *testing.T) {
	t.Run("roster.guardian-restricted version 1 decodes into the current type", func(t *testing.T) {
		data, err := os.ReadFile("testdata/guardian-restricted.v1.json")
		if err != nil {
			t.Fatal(err)
		}
		ev, err := domain.Events.Decode("roster.guardian-restricted", 1, data)
		if err != nil {
			t.Fatal(err)
		}
		if got, ok := ev.(roster.GuardianRestricted); !ok || got != (roster.GuardianRestricted{StudentID: "st1", GuardianID: "gA", EffectiveFrom: d("2026-10-01")}) {
			t.Fatalf("decoded %#v", ev)
		}
	})
	t.Run("roster.students-enrolled version 1 decodes into the current type", func(t *testing.T) {
		data, err := os.ReadFile("testdata/students-enrolled.v1.json")
		if err != nil {
			t.Fatal(err)
		}
		ev, err := domain.Events.Decode("roster.students-enrolled", 1, data)
		if err != nil {
			t.Fatal(err)
		}
		if got, ok := ev.(roster.StudentsEnrolled); !ok || !slices.Equal(got.StudentIDs, []string{"st1", "st2"}) || got.EffectiveFrom != d("2026-08-17") {
			t.Fatalf("decoded %#v", ev)
		}
	})
}

func TestConcurrentEnrolment(t *testing.T) {
	t.Run("an enrolment racing another re-decides and records only students not yet enrolled", func(t *testing.T) {
		log := world(t)
		if _, err := roster.HandleCourse(ctx, log, roster.CreateCourse{Meta: admin, CourseID: "c1", SchoolID: "s1", Subject: "MA", Name: "MA 4A", Term: ht}); err != nil {
			t.Fatal(err)
		}
		log.BeforeAppend = func(stream string) {
			log.Put(stream, now, admin.Actor, roster.StudentsEnrolled{CourseID: "c1", StudentIDs: []string{"st1"}, EffectiveFrom: d("2026-08-17")})
		}
		res, err := roster.HandleCourse(ctx, log, roster.EnrolStudents{Meta: admin, CourseID: "c1", StudentIDs: []string{"st1", "st2"}, EffectiveFrom: d("2026-08-17")})
		if err != nil || len(res.Events) != 1 {
			t.Fatalf("got %+v, %v", res, err)
		}
		if got := res.Events[0].(roster.StudentsEnrolled).StudentIDs; !slices.Equal(got, []string{"st2"}) {
			t.Fatalf("recorded %v, want only st2", got)
		}
	})
}
