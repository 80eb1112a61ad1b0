package roster_test

import (
	"testing"

	"github.com/iup-platform/iup/domain"
	"github.com/iup-platform/iup/domain/domaintest"
	"github.com/iup-platform/iup/domain/roster"
)

var (
	linkA = roster.GuardianLinked{StudentID: "st1", GuardianID: "gA", Relation: roster.RelationGuardian, EffectiveFrom: d("2026-08-17")}
	linkB = roster.GuardianLinked{StudentID: "st1", GuardianID: "gB", Relation: roster.RelationGuardian, EffectiveFrom: d("2026-08-17")}
)

func access(s roster.Student, g, day string) [2]bool {
	a, r := s.GuardianAccess(g, d(day))
	return [2]bool{a, r}
}

func TestGuardians(t *testing.T) {
	exists := roster.Facts{OtherExists: true}

	t.Run("a guardian is linked with a relation from a day", func(t *testing.T) {
		domaintest.Given(t, roster.StudentDecider, registered).
			When(roster.LinkGuardian{Meta: admin, StudentID: "st1", GuardianID: "gA", Relation: roster.RelationGuardian, EffectiveFrom: d("2026-08-17"), Facts: exists}).
			Then(linkA)
	})
	t.Run("with shared custody both guardians are active", func(t *testing.T) {
		s := roster.StudentDecider.Fold([]domain.Event{registered, linkA, linkB})
		if access(s, "gA", "2026-09-01") != [2]bool{true, false} || access(s, "gB", "2026-09-01") != [2]bool{true, false} {
			t.Fatalf("A %v, B %v", access(s, "gA", "2026-09-01"), access(s, "gB", "2026-09-01"))
		}
		if access(s, "gA", "2026-08-16") != [2]bool{false, false} {
			t.Fatal("no access before the relation began")
		}
		if access(s, "gC", "2026-09-01") != [2]bool{false, false} {
			t.Fatal("a stranger has no access")
		}
	})
	t.Run("a restricted guardian is refused what the other guardian may do", func(t *testing.T) {
		restrict := roster.RestrictGuardian{Meta: admin, StudentID: "st1", GuardianID: "gA", EffectiveFrom: d("2026-10-01")}
		ev := roster.GuardianRestricted{StudentID: "st1", GuardianID: "gA", EffectiveFrom: d("2026-10-01")}
		domaintest.Given(t, roster.StudentDecider, registered, linkA, linkB).When(restrict).Then(ev)
		s := roster.StudentDecider.Fold([]domain.Event{registered, linkA, linkB, ev})
		if access(s, "gA", "2026-10-01") != [2]bool{true, true} {
			t.Fatalf("A on the first restricted day = %v, want active and restricted", access(s, "gA", "2026-10-01"))
		}
		if access(s, "gB", "2026-10-01") != [2]bool{true, false} {
			t.Fatalf("B = %v, want active and not restricted", access(s, "gB", "2026-10-01"))
		}
		if access(s, "gA", "2026-09-30") != [2]bool{true, false} {
			t.Fatal("the restriction must not reach back before its day")
		}
		if a := s.Guardians[0]; a.GuardianID != "gA" || a.RestrictedFrom != d("2026-10-01") || s.Guardians[1].RestrictedFrom != (domain.Date{}) {
			t.Fatalf("links = %+v", s.Guardians)
		}
		domaintest.Given(t, roster.StudentDecider, registered, linkA, linkB, ev).When(restrict).Then()
	})
	t.Run("lifting a restriction is an event, and earlier days stay restricted", func(t *testing.T) {
		restricted := roster.GuardianRestricted{StudentID: "st1", GuardianID: "gA", EffectiveFrom: d("2026-10-01")}
		lift := roster.LiftGuardianRestriction{Meta: admin, StudentID: "st1", GuardianID: "gA", EffectiveFrom: d("2027-01-01")}
		lifted := roster.GuardianRestrictionLifted{StudentID: "st1", GuardianID: "gA", EffectiveFrom: d("2027-01-01")}
		domaintest.Given(t, roster.StudentDecider, registered, linkA, restricted).When(lift).Then(lifted)
		s := roster.StudentDecider.Fold([]domain.Event{registered, linkA, restricted, lifted})
		if access(s, "gA", "2026-12-31") != [2]bool{true, true} || access(s, "gA", "2027-01-01") != [2]bool{true, false} {
			t.Fatal("the restriction period is wrong")
		}
		if s.Guardians[0].RestrictedFrom != (domain.Date{}) || len(s.Guardians[0].Restrictions) != 1 {
			t.Fatalf("link = %+v", s.Guardians[0])
		}
		domaintest.Given(t, roster.StudentDecider, registered, linkA, restricted, lifted).When(lift).Then()
		lift.EffectiveFrom = d("2026-09-01")
		domaintest.Given(t, roster.StudentDecider, registered, linkA, restricted).When(lift).ThenError(domain.CodeInvalid)
	})
	t.Run("only a linked guardian can be restricted", func(t *testing.T) {
		domaintest.Given(t, roster.StudentDecider, registered, linkA).
			When(roster.RestrictGuardian{Meta: admin, StudentID: "st1", GuardianID: "gB", EffectiveFrom: d("2026-10-01")}).ThenError(domain.CodeNotFound)
	})
	t.Run("after a relation ends, access ends on the right day", func(t *testing.T) {
		end := roster.UnlinkGuardian{Meta: admin, StudentID: "st1", GuardianID: "gB", EffectiveFrom: d("2027-03-01")}
		ended := roster.GuardianUnlinked{StudentID: "st1", GuardianID: "gB", EffectiveFrom: d("2027-03-01")}
		domaintest.Given(t, roster.StudentDecider, registered, linkA, linkB).When(end).Then(ended)
		s := roster.StudentDecider.Fold([]domain.Event{registered, linkA, linkB, ended})
		if access(s, "gB", "2027-02-28") != [2]bool{true, false} || access(s, "gB", "2027-03-01") != [2]bool{false, false} {
			t.Fatalf("B on the last day %v, on the end day %v", access(s, "gB", "2027-02-28"), access(s, "gB", "2027-03-01"))
		}
		if access(s, "gA", "2027-03-01") != [2]bool{true, false} {
			t.Fatal("the other guardian keeps access")
		}
		domaintest.Given(t, roster.StudentDecider, registered, linkA, linkB, ended).When(end).Then()
		end.EffectiveFrom = d("2026-08-01")
		domaintest.Given(t, roster.StudentDecider, registered, linkB).When(end).ThenError(domain.CodeInvalid)
	})
	t.Run("a restriction follows the guardian across a change of relation", func(t *testing.T) {
		restricted := roster.GuardianRestricted{StudentID: "st1", GuardianID: "gA", EffectiveFrom: d("2026-10-01")}
		trustee := roster.GuardianLinked{StudentID: "st1", GuardianID: "gA", Relation: roster.RelationTrustee, EffectiveFrom: d("2026-11-01")}
		s := roster.StudentDecider.Fold([]domain.Event{registered, linkA, restricted, trustee})
		if len(s.Guardians) != 2 || s.Guardians[0].To != d("2026-11-01") || s.Guardians[1].RestrictedFrom != d("2026-10-01") {
			t.Fatalf("links = %+v", s.Guardians)
		}
		if access(s, "gA", "2026-11-01") != [2]bool{true, true} {
			t.Fatal("a god man with a restriction is active and restricted")
		}
	})
	t.Run("another responsible adult is recorded but has no guardian access", func(t *testing.T) {
		other := roster.GuardianLinked{StudentID: "st1", GuardianID: "gC", Relation: roster.RelationOtherResponsible, EffectiveFrom: d("2026-08-17")}
		s := roster.StudentDecider.Fold([]domain.Event{registered, other})
		if access(s, "gC", "2026-09-01") != [2]bool{false, false} {
			t.Fatal("annan ansvarig must not get guardian access by default")
		}
		if l, ok := s.GuardianOn("gC", d("2026-09-01")); !ok || l.Relation != roster.RelationOtherResponsible {
			t.Fatalf("link = %+v, %v", l, ok)
		}
		if _, ok := s.GuardianOn("gC", d("2026-08-01")); ok {
			t.Fatal("no link before it began")
		}
	})
	t.Run("linking again with the same relation changes nothing; a new relation replaces it from its day", func(t *testing.T) {
		c := roster.LinkGuardian{Meta: admin, StudentID: "st1", GuardianID: "gA", Relation: roster.RelationGuardian, EffectiveFrom: d("2026-09-01"), Facts: exists}
		domaintest.Given(t, roster.StudentDecider, registered, linkA).When(c).Then()
		c.Relation = roster.RelationTrustee
		domaintest.Given(t, roster.StudentDecider, registered, linkA).When(c).
			Then(roster.GuardianLinked{StudentID: "st1", GuardianID: "gA", Relation: roster.RelationTrustee, EffectiveFrom: d("2026-09-01")})
		c.EffectiveFrom = d("2026-01-01")
		domaintest.Given(t, roster.StudentDecider, registered, linkA).When(c).ThenError(domain.CodeInvalid)
	})
	t.Run("an unknown relation or guardian is refused", func(t *testing.T) {
		c := roster.LinkGuardian{Meta: admin, StudentID: "st1", GuardianID: "gA", Relation: "granne", EffectiveFrom: d("2026-09-01"), Facts: exists}
		domaintest.Given(t, roster.StudentDecider, registered).When(c).ThenError(domain.CodeInvalid)
		c.Relation, c.Facts = roster.RelationGuardian, roster.Facts{}
		domaintest.Given(t, roster.StudentDecider, registered).When(c).ThenError(domain.CodeNotFound)
		c.GuardianID, c.Facts = "19800101-1234", exists
		domaintest.Given(t, roster.StudentDecider, registered).When(c).ThenError(domain.CodeInvalid)
	})
}

func TestMentors(t *testing.T) {
	exists := roster.Facts{OtherExists: true}
	assigned := roster.MentorAssigned{StudentID: "st1", StaffID: "m1", EffectiveFrom: d("2026-08-17")}

	t.Run("a mentor is assigned from a day, open-ended or until a day", func(t *testing.T) {
		domaintest.Given(t, roster.StudentDecider, registered).
			When(roster.AssignMentor{Meta: admin, StudentID: "st1", StaffID: "m1", EffectiveFrom: d("2026-08-17"), Facts: exists}).Then(assigned)
		until := roster.MentorAssigned{StudentID: "st1", StaffID: "m2", EffectiveFrom: d("2026-08-17"), Until: d("2027-01-01")}
		s := roster.StudentDecider.Fold([]domain.Event{registered, until})
		if !s.IsMentor("m2", d("2026-12-31")) || s.IsMentor("m2", d("2027-01-01")) || s.IsMentor("m2", d("2026-08-16")) {
			t.Fatalf("mentors = %+v", s.Mentors)
		}
	})
	t.Run("assigning again within the assignment changes nothing; an overlapping other period is refused", func(t *testing.T) {
		c := roster.AssignMentor{Meta: admin, StudentID: "st1", StaffID: "m1", EffectiveFrom: d("2026-09-01"), Facts: exists}
		domaintest.Given(t, roster.StudentDecider, registered, assigned).When(c).Then()
		bounded := roster.MentorAssigned{StudentID: "st1", StaffID: "m1", EffectiveFrom: d("2026-08-17"), Until: d("2027-01-01")}
		domaintest.Given(t, roster.StudentDecider, registered, bounded).When(c).ThenError(domain.CodeRuleViolated)
		c.EffectiveFrom = d("2027-01-01")
		domaintest.Given(t, roster.StudentDecider, registered, bounded).When(c).
			Then(roster.MentorAssigned{StudentID: "st1", StaffID: "m1", EffectiveFrom: d("2027-01-01")})
	})
	t.Run("a mentor assignment needs an existing staff member and an end after its start", func(t *testing.T) {
		c := roster.AssignMentor{Meta: admin, StudentID: "st1", StaffID: "m1", EffectiveFrom: d("2026-09-01")}
		domaintest.Given(t, roster.StudentDecider, registered).When(c).ThenError(domain.CodeNotFound)
		c.Facts, c.Until = exists, d("2026-09-01")
		domaintest.Given(t, roster.StudentDecider, registered).When(c).ThenError(domain.CodeInvalid)
	})
	t.Run("a mentor assignment ends from a day, once", func(t *testing.T) {
		end := roster.EndMentor{Meta: admin, StudentID: "st1", StaffID: "m1", EffectiveFrom: d("2027-01-01")}
		ended := roster.MentorEnded{StudentID: "st1", StaffID: "m1", EffectiveFrom: d("2027-01-01")}
		domaintest.Given(t, roster.StudentDecider, registered, assigned).When(end).Then(ended)
		s := roster.StudentDecider.Fold([]domain.Event{registered, assigned, ended})
		if !s.IsMentor("m1", d("2026-12-31")) || s.IsMentor("m1", d("2027-01-01")) {
			t.Fatal("the mentor period is wrong")
		}
		domaintest.Given(t, roster.StudentDecider, registered, assigned, ended).When(end).Then()
		domaintest.Given(t, roster.StudentDecider, registered).When(end).Then()
		end.EffectiveFrom = d("2026-01-01")
		domaintest.Given(t, roster.StudentDecider, registered, assigned).When(end).ThenError(domain.CodeInvalid)
	})
}
