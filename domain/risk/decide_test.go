package risk

import (
	"strings"
	"testing"
	"time"

	"github.com/iup-platform/iup/domain"
	"github.com/iup-platform/iup/domain/domaintest"
)

var (
	now = time.Date(2026, 10, 1, 8, 0, 0, 0, time.UTC)
	ht  = domain.TermRef{SchoolYear: "2026-2027", Kind: domain.HT}
)

func meta(id string, role domain.Role, onBehalfOf string) domain.Meta {
	return domain.Meta{Actor: domain.Actor{Tenant: "t1", ID: id, Role: role, OnBehalfOf: onBehalfOf}, Now: now}
}

// teacherFacts: tea-1 teaches the maths course ma-6a, in which s1 is enrolled; s1 is in year 6.
func teacherFacts() Facts {
	return Facts{Day: domain.MustDate("2026-10-01"), StudentExists: true, Grade: 6, CourseExists: true,
		CourseSubject: "MA", Teaching: []string{"tea-1"}, StudentEnrolled: true, TermExists: true}
}

func mentorFacts() Facts {
	return Facts{Day: domain.MustDate("2026-10-01"), StudentExists: true, Grade: 4, Mentoring: []string{"men-1"}, TermExists: true}
}

func TestSignal(t *testing.T) {
	sig := Signal{Meta: meta("tea-1", domain.RoleTeacher, ""), StudentID: "s1", Subject: "MA", CourseID: "ma-6a",
		Term: ht, Note: " Behöver stöd i bråk ", Facts: teacherFacts()}
	signalled := RiskSignalled{StudentID: "s1", Subject: "MA", Term: ht, CourseID: "ma-6a", Grade: 6, DutyYear: true, Note: "Behöver stöd i bråk"}

	t.Run("a teacher of a course in the subject signals a risk for an enrolled student", func(t *testing.T) {
		domaintest.Given(t, Decider).When(sig).Then(signalled)
	})
	t.Run("the student's mentor signals without naming a course, in any year", func(t *testing.T) {
		c := Signal{Meta: meta("men-1", domain.RoleMentor, ""), StudentID: "s1", Subject: "SV", Term: ht, Facts: mentorFacts()}
		domaintest.Given(t, Decider).When(c).Then(RiskSignalled{StudentID: "s1", Subject: "SV", Term: ht, Grade: 4})
	})
	t.Run("a teacher of a course in another subject cannot signal", func(t *testing.T) {
		c := sig
		c.Subject = "SV"
		domaintest.Given(t, Decider).When(c).ThenError(domain.CodeForbidden)
	})
	t.Run("a teacher who does not teach the named course cannot signal", func(t *testing.T) {
		c := sig
		c.Meta = meta("tea-2", domain.RoleTeacher, "")
		domaintest.Given(t, Decider).When(c).ThenError(domain.CodeForbidden)
	})
	t.Run("a teacher must name the course", func(t *testing.T) {
		c := sig
		c.CourseID = ""
		domaintest.Given(t, Decider).When(c).ThenError(domain.CodeForbidden)
	})
	t.Run("the student must be enrolled in the named course", func(t *testing.T) {
		c := sig
		c.Facts.StudentEnrolled = false
		domaintest.Given(t, Decider).When(c).ThenError(domain.CodeForbidden)
	})
	t.Run("the student, the course and the term must exist", func(t *testing.T) {
		c := sig
		c.Facts.StudentExists = false
		domaintest.Given(t, Decider).When(c).ThenError(domain.CodeNotFound)
		c = sig
		c.Facts.CourseExists = false
		domaintest.Given(t, Decider).When(c).ThenError(domain.CodeNotFound)
		c = sig
		c.Facts.TermExists = false
		domaintest.Given(t, Decider).When(c).ThenError(domain.CodeNotFound)
	})
	t.Run("students, guardians and principals cannot signal", func(t *testing.T) {
		for _, r := range []domain.Role{domain.RoleStudent, domain.RoleGuardian, domain.RolePrincipal} {
			c := sig
			c.Meta = meta("tea-1", r, "")
			domaintest.Given(t, Decider).When(c).ThenError(domain.CodeForbidden)
		}
	})
	t.Run("an admin acting for the teacher is recorded as such", func(t *testing.T) {
		c := sig
		c.Meta = meta("adm-1", domain.RoleAdmin, "tea-1")
		want := signalled
		want.OnBehalfOf = "tea-1"
		domaintest.Given(t, Decider).When(c).Then(want)
	})
	t.Run("an admin must name whom they act for, and only admins act for others", func(t *testing.T) {
		c := sig
		c.Meta = meta("adm-1", domain.RoleAdmin, "")
		domaintest.Given(t, Decider).When(c).ThenError(domain.CodeForbidden)
		c.Meta = meta("tea-2", domain.RoleTeacher, "tea-1")
		domaintest.Given(t, Decider).When(c).ThenError(domain.CodeForbidden)
	})
	t.Run("signalling the same again decides nothing; a new note updates it", func(t *testing.T) {
		domaintest.Given(t, Decider, signalled).When(sig).Then()
		c := sig
		c.Note = "Ny bedömning"
		want := signalled
		want.Note = "Ny bedömning"
		domaintest.Given(t, Decider, signalled).When(c).Then(want)
	})
	t.Run("inputs are validated", func(t *testing.T) {
		for _, mutate := range []func(*Signal){
			func(c *Signal) { c.StudentID = "19990101-1234" },
			func(c *Signal) { c.Subject = "" },
			func(c *Signal) { c.Subject = " MA" },
			func(c *Signal) { c.Subject = "MA.1" },
			func(c *Signal) { c.Subject = strings.Repeat("M", MaxSubject+1) },
			func(c *Signal) { c.CourseID = "a b" },
			func(c *Signal) { c.Term.Kind = "" },
			func(c *Signal) { c.Note = strings.Repeat("x", MaxNote+1) },
		} {
			c := sig
			mutate(&c)
			domaintest.Given(t, Decider).When(c).ThenError(domain.CodeInvalid)
		}
	})
}

func TestWithdraw(t *testing.T) {
	signalled := RiskSignalled{StudentID: "s1", Subject: "MA", Term: ht, CourseID: "ma-6a", Grade: 6, DutyYear: true, Note: "n"}
	w := Withdraw{Meta: meta("tea-1", domain.RoleTeacher, ""), StudentID: "s1", Subject: "MA", CourseID: "ma-6a",
		Reason: "Når målen nu", Facts: teacherFacts()}
	withdrawn := RiskWithdrawn{StudentID: "s1", Subject: "MA", Reason: "Når målen nu"}

	t.Run("a signal is withdrawn with a reason", func(t *testing.T) {
		domaintest.Given(t, Decider, signalled).When(w).Then(withdrawn)
		if s := Decider.Fold([]domain.Event{signalled, withdrawn}); s.Active || s.Note != "" {
			t.Fatalf("a withdrawn signal is inactive and keeps no note, got %+v", s)
		}
	})
	t.Run("withdrawing needs a reason", func(t *testing.T) {
		c := w
		c.Reason = "  "
		domaintest.Given(t, Decider, signalled).When(c).ThenError(domain.CodeInvalid)
		c.Reason = strings.Repeat("x", MaxReason+1)
		domaintest.Given(t, Decider, signalled).When(c).ThenError(domain.CodeInvalid)
	})
	t.Run("withdrawing an inactive signal decides nothing", func(t *testing.T) {
		domaintest.Given(t, Decider, signalled, withdrawn).When(w).Then()
		domaintest.Given(t, Decider).When(w).Then()
	})
	t.Run("the mentor may withdraw a teacher's signal", func(t *testing.T) {
		c := w
		c.Meta, c.CourseID, c.Facts = meta("men-1", domain.RoleMentor, ""), "", mentorFacts()
		domaintest.Given(t, Decider, signalled).When(c).Then(withdrawn)
	})
	t.Run("a teacher of another subject cannot withdraw", func(t *testing.T) {
		c := w
		c.Facts.CourseSubject = "SV"
		domaintest.Given(t, Decider, signalled).When(c).ThenError(domain.CodeForbidden)
	})
	t.Run("a signal can be raised again after withdrawal", func(t *testing.T) {
		sig := Signal{Meta: meta("tea-1", domain.RoleTeacher, ""), StudentID: "s1", Subject: "MA", CourseID: "ma-6a", Term: ht, Note: "n", Facts: teacherFacts()}
		domaintest.Given(t, Decider, signalled, withdrawn).When(sig).Then(signalled)
	})
}

func TestDutyYear(t *testing.T) {
	for grade := 0; grade <= 10; grade++ {
		want := grade == 3 || grade == 6 || grade == 9
		if DutyYear(grade) != want {
			t.Errorf("DutyYear(%d) = %v, want %v", grade, !want, want)
		}
	}
}

func TestStreamEncodesSubjectSafely(t *testing.T) {
	if got, want := Stream("t1", "s1", "M2 SPA"), "risksignal-t1.s1.M2_20SPA"; got != want {
		t.Fatalf("Stream = %q, want %q", got, want)
	}
	seen := map[string]string{}
	for _, code := range []string{"M2 SPA", "M2_SPA", "M2_20SPA", "MA", "ma", "SVA", "Sv-A", "ÅÄ", "M2  SPA"} {
		enc := EncodeSubject(code)
		if strings.ContainsAny(enc, ". ") {
			t.Errorf("encoded %q as %q, which holds a '.' or a space", code, enc)
		}
		if other, dup := seen[enc]; dup {
			t.Errorf("%q and %q share the stream id %q", code, other, enc)
		}
		seen[enc] = code
	}
}
