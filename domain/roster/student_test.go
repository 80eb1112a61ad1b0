package roster_test

import (
	"testing"
	"time"

	"github.com/iup-platform/iup/domain"
	"github.com/iup-platform/iup/domain/domaintest"
	"github.com/iup-platform/iup/domain/roster"
	"github.com/iup-platform/iup/domain/setup"
)

var now = time.Date(2026, 9, 1, 8, 0, 0, 0, time.UTC)

func meta(role domain.Role, id string) domain.Meta {
	return domain.Meta{Actor: domain.Actor{Tenant: "t1", ID: id, Role: role}, Now: now}
}

var (
	admin     = meta(domain.RoleAdmin, "adm1")
	principal = meta(domain.RolePrincipal, "p1")
	teacher   = meta(domain.RoleTeacher, "tch1")
	leadsS1   = roster.Facts{Auth: roster.AuthFacts{Day: d("2026-09-01"), PrincipalOf: []string{"s1"}}}
	s1Facts   = roster.Facts{SchoolExists: true, SchoolForms: []string{setup.FormGrundskola, setup.FormForskoleklass}}
)

func d(s string) domain.Date { return domain.MustDate(s) }

var registered = roster.StudentRegistered{StudentID: "st1", SchoolID: "s1", Grade: 4, SchoolForm: setup.FormGrundskola,
	Protected: roster.ProtectionNone, DisplayName: "Alva", EffectiveFrom: d("2026-08-17")}

func TestRegisterStudent(t *testing.T) {
	reg := roster.RegisterStudent{Meta: admin, StudentID: "st1", SchoolID: "s1", Grade: 4, SchoolForm: setup.FormGrundskola,
		DisplayName: " Alva ", EffectiveFrom: d("2026-08-17"), Facts: s1Facts}

	t.Run("an admin registers a student at a school", func(t *testing.T) {
		domaintest.Given(t, roster.StudentDecider).When(reg).Then(registered)
		s := roster.StudentDecider.Fold([]domain.Event{registered})
		if !s.Exists || s.SchoolOn(d("2026-08-17")) != "s1" || s.SchoolOn(d("2026-08-16")) != "" || s.Protected != roster.ProtectionNone {
			t.Fatalf("student = %+v", s)
		}
	})
	t.Run("a personal identity number as an id is refused", func(t *testing.T) {
		for _, pnr := range []string{"200101011234", "010101-1234", "20010101-1234", "0101011234"} {
			r := reg
			r.StudentID = pnr
			domaintest.Given(t, roster.StudentDecider).When(r).ThenError(domain.CodeInvalid)
		}
		r := reg
		r.SchoolID = "200101011234"
		domaintest.Given(t, roster.StudentDecider).When(r).ThenError(domain.CodeInvalid)
	})
	t.Run("a principal registers students at their own school only", func(t *testing.T) {
		r := reg
		r.Meta, r.Facts.Auth = principal, leadsS1.Auth
		domaintest.Given(t, roster.StudentDecider).When(r).Then(registered)
		r.Facts.Auth.PrincipalOf = []string{"s2"}
		domaintest.Given(t, roster.StudentDecider).When(r).ThenError(domain.CodeForbidden)
	})
	t.Run("an admin acting for someone is still an admin, but a principal cannot act for others", func(t *testing.T) {
		r := reg
		r.Meta, r.Facts.Auth = principal, leadsS1.Auth
		r.Actor.OnBehalfOf = "x1"
		domaintest.Given(t, roster.StudentDecider).When(r).ThenError(domain.CodeForbidden)
	})
	t.Run("teachers, mentors, students and guardians cannot write the roster", func(t *testing.T) {
		for _, m := range []domain.Meta{teacher, meta(domain.RoleMentor, "m1"), meta(domain.RoleStudent, "st1"), meta(domain.RoleGuardian, "g1")} {
			r := reg
			r.Meta = m
			domaintest.Given(t, roster.StudentDecider).When(r).ThenError(domain.CodeForbidden)
		}
	})
	t.Run("an import runs as the service through the same command", func(t *testing.T) {
		r := reg
		r.Meta = meta(domain.RoleSystem, "ss12000-import")
		domaintest.Given(t, roster.StudentDecider).When(r).Then(registered)
	})
	t.Run("registering again changes nothing, but other details are refused", func(t *testing.T) {
		domaintest.Given(t, roster.StudentDecider, registered).When(reg).Then()
		r := reg
		r.Grade = 5
		domaintest.Given(t, roster.StudentDecider, registered).When(r).ThenError(domain.CodeRuleViolated)
	})
	t.Run("grade 0 is förskoleklass, grade 10 only specialskola, and grades run 0 to 10", func(t *testing.T) {
		for _, c := range []struct {
			grade int
			form  string
		}{{0, setup.FormGrundskola}, {1, setup.FormForskoleklass}, {10, setup.FormGrundskola}, {11, setup.FormSpecialskola}, {-1, setup.FormGrundskola}, {3, "gymnasium"}} {
			r := reg
			r.Grade, r.SchoolForm = c.grade, c.form
			domaintest.Given(t, roster.StudentDecider).When(r).ThenError(domain.CodeInvalid)
		}
		r := reg
		r.Grade, r.SchoolForm = 0, setup.FormForskoleklass
		if _, err := domaintest.Given(t, roster.StudentDecider).When(r).Events(); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("the school must exist and run the student's school form", func(t *testing.T) {
		r := reg
		r.Facts = roster.Facts{}
		domaintest.Given(t, roster.StudentDecider).When(r).ThenError(domain.CodeNotFound)
		r.Facts, r.Grade, r.SchoolForm = s1Facts, 10, setup.FormSpecialskola
		domaintest.Given(t, roster.StudentDecider).When(r).ThenError(domain.CodeRuleViolated)
	})
	t.Run("a name, a known marking and a start date are required", func(t *testing.T) {
		for _, mod := range []func(*roster.RegisterStudent){
			func(r *roster.RegisterStudent) { r.DisplayName = " " },
			func(r *roster.RegisterStudent) { r.Protected = "hemlig" },
			func(r *roster.RegisterStudent) { r.EffectiveFrom = domain.Date{} },
		} {
			r := reg
			mod(&r)
			domaintest.Given(t, roster.StudentDecider).When(r).ThenError(domain.CodeInvalid)
		}
	})
	t.Run("commands on an unknown student are refused", func(t *testing.T) {
		domaintest.Given(t, roster.StudentDecider).When(roster.RenameStudent{Meta: admin, StudentID: "st1", DisplayName: "X"}).ThenError(domain.CodeNotFound)
	})
}

func TestChangeStudent(t *testing.T) {
	t.Run("a student is renamed, and the same name changes nothing", func(t *testing.T) {
		domaintest.Given(t, roster.StudentDecider, registered).When(roster.RenameStudent{Meta: admin, StudentID: "st1", DisplayName: "Alva B"}).
			Then(roster.StudentRenamed{StudentID: "st1", DisplayName: "Alva B"})
		domaintest.Given(t, roster.StudentDecider, registered).When(roster.RenameStudent{Meta: admin, StudentID: "st1", DisplayName: "Alva"}).Then()
	})
	t.Run("grade and school form change from a day", func(t *testing.T) {
		c := roster.ChangeStudentDetails{Meta: admin, StudentID: "st1", Grade: 5, SchoolForm: setup.FormGrundskola, GradesGiven: false, EffectiveFrom: d("2027-08-16")}
		ev := roster.StudentDetailsChanged{StudentID: "st1", Grade: 5, SchoolForm: setup.FormGrundskola, EffectiveFrom: d("2027-08-16")}
		domaintest.Given(t, roster.StudentDecider, registered).When(c).Then(ev)
		if s := roster.StudentDecider.Fold([]domain.Event{registered, ev}); s.Grade != 5 {
			t.Fatalf("grade = %d", s.Grade)
		}
		c.Grade = 4
		domaintest.Given(t, roster.StudentDecider, registered).When(c).Then()
		c.Grade = 12
		domaintest.Given(t, roster.StudentDecider, registered).When(c).ThenError(domain.CodeInvalid)
	})
	t.Run("the protected-identity marking changes, and only to a known marking", func(t *testing.T) {
		c := roster.SetProtection{Meta: admin, StudentID: "st1", Protected: roster.ProtectionProtectedID, EffectiveFrom: d("2026-10-01")}
		ev := roster.StudentProtectionChanged{StudentID: "st1", Protected: roster.ProtectionProtectedID, EffectiveFrom: d("2026-10-01")}
		domaintest.Given(t, roster.StudentDecider, registered).When(c).Then(ev)
		if s := roster.StudentDecider.Fold([]domain.Event{registered, ev}); s.Protected != roster.ProtectionProtectedID {
			t.Fatalf("protected = %q", s.Protected)
		}
		c.Protected = ""
		domaintest.Given(t, roster.StudentDecider, registered).When(c).Then()
		c.Protected = "x"
		domaintest.Given(t, roster.StudentDecider, registered).When(c).ThenError(domain.CodeInvalid)
	})
	t.Run("a move takes effect on its day and the old school is kept for earlier days", func(t *testing.T) {
		c := roster.MoveStudent{Meta: admin, StudentID: "st1", SchoolID: "s2", EffectiveFrom: d("2027-01-10"),
			Facts: roster.Facts{SchoolExists: true, SchoolForms: []string{setup.FormGrundskola}}}
		ev := roster.StudentMoved{StudentID: "st1", FromSchoolID: "s1", SchoolID: "s2", EffectiveFrom: d("2027-01-10")}
		domaintest.Given(t, roster.StudentDecider, registered).When(c).Then(ev)
		s := roster.StudentDecider.Fold([]domain.Event{registered, ev})
		if s.SchoolOn(d("2027-01-09")) != "s1" || s.SchoolOn(d("2027-01-10")) != "s2" || s.SchoolID != "s2" {
			t.Fatalf("placements = %+v", s.Placements)
		}
	})
	t.Run("the principal of either school may move a student, others may not", func(t *testing.T) {
		c := roster.MoveStudent{Meta: principal, StudentID: "st1", SchoolID: "s2", EffectiveFrom: d("2027-01-10"),
			Facts: roster.Facts{SchoolExists: true, SchoolForms: []string{setup.FormGrundskola}}}
		for _, leads := range [][]string{{"s1"}, {"s2"}} {
			c.Facts.Auth.PrincipalOf = leads
			if _, err := domaintest.Given(t, roster.StudentDecider, registered).When(c).Events(); err != nil {
				t.Fatal(err)
			}
		}
		c.Facts.Auth.PrincipalOf = []string{"s3"}
		domaintest.Given(t, roster.StudentDecider, registered).When(c).ThenError(domain.CodeForbidden)
	})
	t.Run("a move to the same school changes nothing; a move to a missing school or back in time is refused", func(t *testing.T) {
		c := roster.MoveStudent{Meta: admin, StudentID: "st1", SchoolID: "s1", EffectiveFrom: d("2027-01-10")}
		domaintest.Given(t, roster.StudentDecider, registered).When(c).Then()
		c.SchoolID = "s2"
		domaintest.Given(t, roster.StudentDecider, registered).When(c).ThenError(domain.CodeNotFound)
		c.Facts = roster.Facts{SchoolExists: true, SchoolForms: []string{setup.FormGrundskola}}
		c.EffectiveFrom = d("2026-08-17")
		domaintest.Given(t, roster.StudentDecider, registered).When(c).ThenError(domain.CodeInvalid)
	})
	t.Run("a student who leaves belongs to no school and has no mentor from that day", func(t *testing.T) {
		c := roster.RecordLeaving{Meta: admin, StudentID: "st1", EffectiveFrom: d("2027-06-15")}
		ev := roster.StudentLeft{StudentID: "st1", EffectiveFrom: d("2027-06-15")}
		domaintest.Given(t, roster.StudentDecider, registered).When(c).Then(ev)
		mentor := roster.MentorAssigned{StudentID: "st1", StaffID: "m1", EffectiveFrom: d("2026-08-17")}
		s := roster.StudentDecider.Fold([]domain.Event{registered, mentor, ev})
		if s.SchoolOn(d("2027-06-14")) != "s1" || s.SchoolOn(d("2027-06-15")) != "" || s.LeftOn != d("2027-06-15") {
			t.Fatalf("student = %+v", s)
		}
		if !s.IsMentor("m1", d("2027-06-14")) || s.IsMentor("m1", d("2027-06-15")) {
			t.Fatal("the mentor relation must end when the student leaves")
		}
		domaintest.Given(t, roster.StudentDecider, registered, ev).When(c).Then()
		c.EffectiveFrom = d("2026-01-01")
		domaintest.Given(t, roster.StudentDecider, registered).When(c).ThenError(domain.CodeInvalid)
	})
	t.Run("a principal of another school cannot change the student", func(t *testing.T) {
		f := roster.Facts{Auth: roster.AuthFacts{PrincipalOf: []string{"s2"}}}
		for _, c := range []roster.StudentCommand{
			roster.RenameStudent{Meta: principal, StudentID: "st1", DisplayName: "X", Facts: f},
			roster.RecordLeaving{Meta: principal, StudentID: "st1", EffectiveFrom: d("2027-06-15"), Facts: f},
			roster.LinkGuardian{Meta: principal, StudentID: "st1", GuardianID: "g1", Relation: roster.RelationGuardian, EffectiveFrom: d("2026-08-17"), Facts: f},
			roster.AssignMentor{Meta: principal, StudentID: "st1", StaffID: "m1", EffectiveFrom: d("2026-08-17"), Facts: f},
		} {
			domaintest.Given(t, roster.StudentDecider, registered).When(c).ThenError(domain.CodeForbidden)
		}
	})
}
