package roster_test

import (
	"slices"
	"testing"

	"github.com/iup-platform/iup/domain"
	"github.com/iup-platform/iup/domain/domaintest"
	"github.com/iup-platform/iup/domain/roster"
)

func TestStaff(t *testing.T) {
	staffReg := roster.StaffRegistered{StaffID: "tch1", DisplayName: "Karin"}
	grant := roster.GrantRole{Meta: admin, StaffID: "tch1", Role: domain.RoleTeacher, SchoolID: "s1", EffectiveFrom: d("2026-08-01"), Facts: roster.Facts{SchoolExists: true}}
	granted := roster.StaffRoleGranted{StaffID: "tch1", Role: domain.RoleTeacher, SchoolID: "s1", EffectiveFrom: d("2026-08-01")}

	t.Run("an admin or a principal registers staff; a teacher cannot", func(t *testing.T) {
		c := roster.RegisterStaff{Meta: admin, StaffID: "tch1", DisplayName: "Karin"}
		domaintest.Given(t, roster.StaffDecider).When(c).Then(staffReg)
		c.Meta, c.Facts = principal, leadsS1
		domaintest.Given(t, roster.StaffDecider).When(c).Then(staffReg)
		c.Facts = roster.Facts{}
		domaintest.Given(t, roster.StaffDecider).When(c).ThenError(domain.CodeForbidden)
		c.Meta = teacher
		domaintest.Given(t, roster.StaffDecider).When(c).ThenError(domain.CodeForbidden)
	})
	t.Run("registering again changes nothing; a rename is its own event", func(t *testing.T) {
		domaintest.Given(t, roster.StaffDecider, staffReg).When(roster.RegisterStaff{Meta: admin, StaffID: "tch1", DisplayName: "Karin"}).Then()
		domaintest.Given(t, roster.StaffDecider, staffReg).When(roster.RegisterStaff{Meta: admin, StaffID: "tch1", DisplayName: "Kim"}).ThenError(domain.CodeRuleViolated)
		domaintest.Given(t, roster.StaffDecider, staffReg).When(roster.RenameStaff{Meta: admin, StaffID: "tch1", DisplayName: "Kim"}).
			Then(roster.StaffRenamed{StaffID: "tch1", DisplayName: "Kim"})
		domaintest.Given(t, roster.StaffDecider, staffReg).When(roster.RenameStaff{Meta: admin, StaffID: "tch1", DisplayName: "Karin"}).Then()
		domaintest.Given(t, roster.StaffDecider).When(roster.RenameStaff{Meta: admin, StaffID: "tch1", DisplayName: "Kim"}).ThenError(domain.CodeNotFound)
	})
	t.Run("roles hold over time at a school", func(t *testing.T) {
		domaintest.Given(t, roster.StaffDecider, staffReg).When(grant).Then(granted)
		domaintest.Given(t, roster.StaffDecider, staffReg, granted).When(grant).Then()
		ended := roster.StaffRoleEnded{StaffID: "tch1", Role: domain.RoleTeacher, SchoolID: "s1", EffectiveFrom: d("2027-07-01")}
		domaintest.Given(t, roster.StaffDecider, staffReg, granted).
			When(roster.EndRole{Meta: admin, StaffID: "tch1", Role: domain.RoleTeacher, SchoolID: "s1", EffectiveFrom: d("2027-07-01")}).Then(ended)
		s := roster.StaffDecider.Fold([]domain.Event{staffReg, granted, ended})
		if !s.HasRole(domain.RoleTeacher, "s1", d("2027-06-30")) || s.HasRole(domain.RoleTeacher, "s1", d("2027-07-01")) ||
			s.HasRole(domain.RoleTeacher, "s2", d("2027-01-01")) || s.HasRole(domain.RoleMentor, "s1", d("2027-01-01")) {
			t.Fatalf("roles = %+v", s.Roles)
		}
		domaintest.Given(t, roster.StaffDecider, staffReg, granted, ended).
			When(roster.EndRole{Meta: admin, StaffID: "tch1", Role: domain.RoleTeacher, SchoolID: "s1", EffectiveFrom: d("2027-07-01")}).Then()
		domaintest.Given(t, roster.StaffDecider, staffReg, granted).
			When(roster.EndRole{Meta: admin, StaffID: "tch1", Role: domain.RoleTeacher, SchoolID: "s1", EffectiveFrom: d("2026-01-01")}).ThenError(domain.CodeInvalid)
	})
	t.Run("the admin role is organiser-wide and other roles name a school", func(t *testing.T) {
		adm := roster.GrantRole{Meta: admin, StaffID: "tch1", Role: domain.RoleAdmin, EffectiveFrom: d("2026-08-01")}
		ev := roster.StaffRoleGranted{StaffID: "tch1", Role: domain.RoleAdmin, EffectiveFrom: d("2026-08-01")}
		domaintest.Given(t, roster.StaffDecider, staffReg).When(adm).Then(ev)
		if s := roster.StaffDecider.Fold([]domain.Event{staffReg, ev}); !s.HasRole(domain.RoleAdmin, "", d("2026-08-01")) {
			t.Fatal("admin role missing")
		}
		adm.SchoolID = "s1"
		domaintest.Given(t, roster.StaffDecider, staffReg).When(adm).ThenError(domain.CodeInvalid)
		g := grant
		g.SchoolID = ""
		domaintest.Given(t, roster.StaffDecider, staffReg).When(g).ThenError(domain.CodeInvalid)
		g = grant
		g.Role = domain.RoleGuardian
		domaintest.Given(t, roster.StaffDecider, staffReg).When(g).ThenError(domain.CodeInvalid)
		g = grant
		g.EffectiveFrom = domain.Date{}
		domaintest.Given(t, roster.StaffDecider, staffReg).When(g).ThenError(domain.CodeInvalid)
	})
	t.Run("a role needs the staff member and the school", func(t *testing.T) {
		domaintest.Given(t, roster.StaffDecider).When(grant).ThenError(domain.CodeNotFound)
		g := grant
		g.Facts = roster.Facts{}
		domaintest.Given(t, roster.StaffDecider, staffReg).When(g).ThenError(domain.CodeNotFound)
	})
	t.Run("a principal grants teacher and mentor at their own school, never admin or principal", func(t *testing.T) {
		g := grant
		g.Meta, g.Facts.Auth = principal, leadsS1.Auth
		domaintest.Given(t, roster.StaffDecider, staffReg).When(g).Then(granted)
		g.SchoolID = "s2"
		domaintest.Given(t, roster.StaffDecider, staffReg).When(g).ThenError(domain.CodeForbidden)
		g.SchoolID, g.Role = "s1", domain.RolePrincipal
		domaintest.Given(t, roster.StaffDecider, staffReg).When(g).ThenError(domain.CodeForbidden)
	})
	t.Run("schools with a role are listed once, sorted", func(t *testing.T) {
		s := roster.StaffDecider.Fold([]domain.Event{staffReg,
			roster.StaffRoleGranted{StaffID: "tch1", Role: domain.RolePrincipal, SchoolID: "s2", EffectiveFrom: d("2026-01-01")},
			roster.StaffRoleGranted{StaffID: "tch1", Role: domain.RolePrincipal, SchoolID: "s1", EffectiveFrom: d("2026-01-01")},
			roster.StaffRoleGranted{StaffID: "tch1", Role: domain.RolePrincipal, SchoolID: "s3", EffectiveFrom: d("2027-01-01")},
		})
		if got := s.SchoolsWithRole(domain.RolePrincipal, d("2026-09-01")); !slices.Equal(got, []string{"s1", "s2"}) {
			t.Fatalf("schools = %v", got)
		}
	})
}

func TestGuardianPerson(t *testing.T) {
	reg := roster.GuardianRegistered{GuardianID: "gA", DisplayName: "Maria"}
	t.Run("a guardian is registered and renamed", func(t *testing.T) {
		domaintest.Given(t, roster.GuardianDecider).When(roster.RegisterGuardian{Meta: admin, GuardianID: "gA", DisplayName: "Maria"}).Then(reg)
		domaintest.Given(t, roster.GuardianDecider, reg).When(roster.RegisterGuardian{Meta: admin, GuardianID: "gA", DisplayName: "Maria"}).Then()
		domaintest.Given(t, roster.GuardianDecider, reg).When(roster.RegisterGuardian{Meta: admin, GuardianID: "gA", DisplayName: "Mia"}).ThenError(domain.CodeRuleViolated)
		domaintest.Given(t, roster.GuardianDecider, reg).When(roster.RenameGuardian{Meta: admin, GuardianID: "gA", DisplayName: "Mia"}).
			Then(roster.GuardianRenamed{GuardianID: "gA", DisplayName: "Mia"})
		domaintest.Given(t, roster.GuardianDecider).When(roster.RenameGuardian{Meta: admin, GuardianID: "gA", DisplayName: "Mia"}).ThenError(domain.CodeNotFound)
		if g := roster.GuardianDecider.Fold([]domain.Event{reg, roster.GuardianRenamed{GuardianID: "gA", DisplayName: "Mia"}}); g.DisplayName != "Mia" || !g.Exists {
			t.Fatalf("guardian = %+v", g)
		}
	})
	t.Run("a guardian's id is never a personal identity number, and a teacher cannot register one", func(t *testing.T) {
		domaintest.Given(t, roster.GuardianDecider).When(roster.RegisterGuardian{Meta: admin, GuardianID: "198001011234", DisplayName: "Maria"}).ThenError(domain.CodeInvalid)
		domaintest.Given(t, roster.GuardianDecider).When(roster.RegisterGuardian{Meta: teacher, GuardianID: "gA", DisplayName: "Maria"}).ThenError(domain.CodeForbidden)
	})
}

var (
	ht         = domain.TermRef{SchoolYear: "2026-2027", Kind: domain.HT}
	courseFull = roster.Facts{SchoolExists: true, SchoolYearExists: true, SubjectExists: true}
	created    = roster.CourseCreated{CourseID: "c1", SchoolID: "s1", Subject: "MA", Name: "MA 4A", Term: ht}
)

func TestCourse(t *testing.T) {
	create := roster.CreateCourse{Meta: admin, CourseID: "c1", SchoolID: "s1", Subject: "MA", Name: "MA 4A", Term: ht, Facts: courseFull}

	t.Run("a course is created for a term", func(t *testing.T) {
		domaintest.Given(t, roster.CourseDecider).When(create).Then(created)
		domaintest.Given(t, roster.CourseDecider, created).When(create).Then()
		c := create
		c.Name = "MA 4B"
		domaintest.Given(t, roster.CourseDecider, created).When(c).ThenError(domain.CodeRuleViolated)
	})
	t.Run("a course covers its own term, or both terms of its school year when whole-year", func(t *testing.T) {
		vt := domain.TermRef{SchoolYear: "2026-2027", Kind: domain.VT}
		next := domain.TermRef{SchoolYear: "2027-2028", Kind: domain.HT}
		c := roster.CourseDecider.Fold([]domain.Event{created})
		if !c.CoversTerm(ht) || c.CoversTerm(vt) || c.CoversTerm(next) {
			t.Fatal("a term course covers its term only")
		}
		whole := created
		whole.Term, whole.WholeYear = domain.TermRef{SchoolYear: "2026-2027"}, true
		w := roster.CourseDecider.Fold([]domain.Event{whole})
		if !w.CoversTerm(ht) || !w.CoversTerm(vt) || w.CoversTerm(next) {
			t.Fatal("a whole-year course covers both its terms")
		}
		if (roster.Course{}).CoversTerm(ht) {
			t.Fatal("a missing course covers nothing")
		}
	})
	t.Run("a whole-year course names no term kind", func(t *testing.T) {
		c := create
		c.WholeYear, c.Term = true, domain.TermRef{SchoolYear: "2026-2027"}
		domaintest.Given(t, roster.CourseDecider).When(c).
			Then(roster.CourseCreated{CourseID: "c1", SchoolID: "s1", Subject: "MA", Name: "MA 4A", Term: c.Term, WholeYear: true})
		c.Term.Kind = domain.HT
		domaintest.Given(t, roster.CourseDecider).When(c).ThenError(domain.CodeInvalid)
	})
	t.Run("a course needs a valid subject code, term and existing school, school year and subject", func(t *testing.T) {
		c := create
		c.Subject = "ma"
		domaintest.Given(t, roster.CourseDecider).When(c).ThenError(domain.CodeInvalid)
		c = create
		c.Term.Kind = ""
		domaintest.Given(t, roster.CourseDecider).When(c).ThenError(domain.CodeInvalid)
		for _, f := range []roster.Facts{{SchoolYearExists: true, SubjectExists: true}, {SchoolExists: true, SubjectExists: true}, {SchoolExists: true, SchoolYearExists: true}} {
			c = create
			c.Facts = f
			domaintest.Given(t, roster.CourseDecider).When(c).ThenError(domain.CodeNotFound)
		}
	})
	t.Run("a principal creates courses at their own school only", func(t *testing.T) {
		c := create
		c.Meta, c.Facts.Auth = principal, leadsS1.Auth
		domaintest.Given(t, roster.CourseDecider).When(c).Then(created)
		c.SchoolID = "s2"
		domaintest.Given(t, roster.CourseDecider).When(c).ThenError(domain.CodeForbidden)
	})
	t.Run("teachers are assigned and end on a day", func(t *testing.T) {
		assign := roster.AssignTeacher{Meta: admin, CourseID: "c1", StaffID: "tch1", EffectiveFrom: d("2026-08-17"), Facts: roster.Facts{OtherExists: true}}
		assigned := roster.CourseTeacherAssigned{CourseID: "c1", StaffID: "tch1", EffectiveFrom: d("2026-08-17")}
		domaintest.Given(t, roster.CourseDecider, created).When(assign).Then(assigned)
		domaintest.Given(t, roster.CourseDecider, created, assigned).When(assign).Then()
		assign.Facts = roster.Facts{}
		domaintest.Given(t, roster.CourseDecider, created).When(assign).ThenError(domain.CodeNotFound)
		end := roster.EndTeacher{Meta: admin, CourseID: "c1", StaffID: "tch1", EffectiveFrom: d("2026-11-01")}
		ended := roster.CourseTeacherEnded{CourseID: "c1", StaffID: "tch1", EffectiveFrom: d("2026-11-01")}
		domaintest.Given(t, roster.CourseDecider, created, assigned).When(end).Then(ended)
		domaintest.Given(t, roster.CourseDecider, created, assigned, ended).When(end).Then()
		c := roster.CourseDecider.Fold([]domain.Event{created, assigned, ended})
		if !c.IsTeacher("tch1", d("2026-10-31")) || c.IsTeacher("tch1", d("2026-11-01")) {
			t.Fatal("the teacher period is wrong")
		}
		end.EffectiveFrom = d("2026-01-01")
		domaintest.Given(t, roster.CourseDecider, created, assigned).When(end).ThenError(domain.CodeInvalid)
	})
	t.Run("enrolling a class enrols each student once, and repeating it decides nothing new", func(t *testing.T) {
		enrol := roster.EnrolStudents{Meta: admin, CourseID: "c1", StudentIDs: []string{"st3", "st1", "st2", "st1"}, EffectiveFrom: d("2026-08-17")}
		enrolled := roster.StudentsEnrolled{CourseID: "c1", StudentIDs: []string{"st1", "st2", "st3"}, EffectiveFrom: d("2026-08-17")}
		domaintest.Given(t, roster.CourseDecider, created).When(enrol).Then(enrolled)
		domaintest.Given(t, roster.CourseDecider, created, enrolled).When(enrol).Then()
		enrol.StudentIDs = append(enrol.StudentIDs, "st4")
		domaintest.Given(t, roster.CourseDecider, created, enrolled).When(enrol).
			Then(roster.StudentsEnrolled{CourseID: "c1", StudentIDs: []string{"st4"}, EffectiveFrom: d("2026-08-17")})
		c := roster.CourseDecider.Fold([]domain.Event{created, enrolled, enrolled})
		if got := c.Enrolled(d("2026-09-01")); !slices.Equal(got, []string{"st1", "st2", "st3"}) {
			t.Fatalf("enrolled = %v", got)
		}
		if len(c.Enrolled(d("2026-08-16"))) != 0 || !c.IsEnrolled("st2", d("2026-08-17")) {
			t.Fatal("the enrolment day is wrong")
		}
	})
	t.Run("enrolling refuses missing students, bad ids and empty classes", func(t *testing.T) {
		enrol := roster.EnrolStudents{Meta: admin, CourseID: "c1", StudentIDs: []string{"st1", "st9"}, EffectiveFrom: d("2026-08-17"), Facts: roster.Facts{Missing: []string{"st9"}}}
		domaintest.Given(t, roster.CourseDecider, created).When(enrol).ThenError(domain.CodeNotFound)
		enrol.Facts, enrol.StudentIDs = roster.Facts{}, []string{"st1", "050505-5555"}
		domaintest.Given(t, roster.CourseDecider, created).When(enrol).ThenError(domain.CodeInvalid)
		enrol.StudentIDs = nil
		domaintest.Given(t, roster.CourseDecider, created).When(enrol).ThenError(domain.CodeInvalid)
		enrol.StudentIDs = []string{"st1"}
		domaintest.Given(t, roster.CourseDecider).When(enrol).ThenError(domain.CodeNotFound)
		enrol.Meta = teacher
		domaintest.Given(t, roster.CourseDecider, created).When(enrol).ThenError(domain.CodeForbidden)
	})
	t.Run("unenrolling ends enrolments from a day, once", func(t *testing.T) {
		enrolled := roster.StudentsEnrolled{CourseID: "c1", StudentIDs: []string{"st1", "st2"}, EffectiveFrom: d("2026-08-17")}
		un := roster.UnenrolStudents{Meta: admin, CourseID: "c1", StudentIDs: []string{"st2", "st5"}, EffectiveFrom: d("2026-10-01")}
		unenrolled := roster.StudentsUnenrolled{CourseID: "c1", StudentIDs: []string{"st2"}, EffectiveFrom: d("2026-10-01")}
		domaintest.Given(t, roster.CourseDecider, created, enrolled).When(un).Then(unenrolled)
		domaintest.Given(t, roster.CourseDecider, created, enrolled, unenrolled).When(un).Then()
		c := roster.CourseDecider.Fold([]domain.Event{created, enrolled, unenrolled})
		if !c.IsEnrolled("st2", d("2026-09-30")) || c.IsEnrolled("st2", d("2026-10-01")) || !c.IsEnrolled("st1", d("2026-10-01")) {
			t.Fatal("the enrolment period is wrong")
		}
		un.EffectiveFrom = d("2026-01-01")
		domaintest.Given(t, roster.CourseDecider, created, enrolled).When(un).ThenError(domain.CodeInvalid)
	})
}
