package roster_test

import (
	"strings"
	"testing"

	"github.com/iup-platform/iup/domain"
	"github.com/iup-platform/iup/domain/domaintest"
	"github.com/iup-platform/iup/domain/roster"
)

func TestProtectedIdentityAccess(t *testing.T) {
	marked := roster.StudentProtectionChanged{StudentID: "st1", Protected: roster.ProtectionProtectedID, EffectiveFrom: d("2026-08-17")}
	staffExists := roster.Facts{OtherExists: true}
	grant := roster.AuthoriseForProtectedStudent{Meta: admin, StudentID: "st1", StaffID: "tch1",
		EffectiveFrom: d("2026-09-01"), Facts: staffExists}
	granted := roster.ProtectedAccessGranted{StudentID: "st1", StaffID: "tch1", EffectiveFrom: d("2026-09-01")}
	revoke := roster.RevokeProtectedStudentAccess{Meta: admin, StudentID: "st1", StaffID: "tch1", EffectiveFrom: d("2026-10-01")}
	revoked := roster.ProtectedAccessRevoked{StudentID: "st1", StaffID: "tch1", EffectiveFrom: d("2026-10-01")}

	t.Run("an admin authorises a member of staff for a protected student", func(t *testing.T) {
		domaintest.Given(t, roster.StudentDecider, registered, marked).When(grant).Then(granted)
	})
	t.Run("the principal of the student's school may, of another school may not", func(t *testing.T) {
		c := grant
		c.Meta, c.Facts.Auth = principal, leadsS1.Auth
		domaintest.Given(t, roster.StudentDecider, registered, marked).When(c).Then(granted)
		c.Facts.Auth.PrincipalOf = []string{"s2"}
		domaintest.Given(t, roster.StudentDecider, registered, marked).When(c).ThenError(domain.CodeForbidden)
	})
	t.Run("a teacher, mentor, student or guardian may not authorise", func(t *testing.T) {
		for _, m := range []domain.Meta{teacher, meta(domain.RoleMentor, "m1"), meta(domain.RoleStudent, "st1"), meta(domain.RoleGuardian, "g1")} {
			c := grant
			c.Meta = m
			domaintest.Given(t, roster.StudentDecider, registered, marked).When(c).ThenError(domain.CodeForbidden)
			r := revoke
			r.Meta = m
			domaintest.Given(t, roster.StudentDecider, registered, marked, granted).When(r).ThenError(domain.CodeForbidden)
		}
	})
	t.Run("a student without a marking is refused with a message that says why", func(t *testing.T) {
		_, err := domaintest.Given(t, roster.StudentDecider, registered).When(grant).Events()
		if domain.ErrorCode(err) != domain.CodeRuleViolated || !strings.Contains(err.Error(), "no protected-identity marking") {
			t.Fatalf("err = %v", err)
		}
		unmarked := roster.StudentProtectionChanged{StudentID: "st1", Protected: roster.ProtectionNone, EffectiveFrom: d("2026-08-20")}
		domaintest.Given(t, roster.StudentDecider, registered, marked, unmarked).When(grant).ThenError(domain.CodeRuleViolated)
	})
	t.Run("an unknown staff member is not found", func(t *testing.T) {
		c := grant
		c.Facts.OtherExists = false
		domaintest.Given(t, roster.StudentDecider, registered, marked).When(c).ThenError(domain.CodeNotFound)
	})
	t.Run("an unknown student is not found", func(t *testing.T) {
		domaintest.Given(t, roster.StudentDecider).When(grant).ThenError(domain.CodeNotFound)
	})
	t.Run("authorising twice is a no-op", func(t *testing.T) {
		domaintest.Given(t, roster.StudentDecider, registered, marked, granted).When(grant).Then()
	})
	t.Run("revoke ends the access from its day; revoking twice is a no-op", func(t *testing.T) {
		domaintest.Given(t, roster.StudentDecider, registered, marked, granted).When(revoke).Then(revoked)
		domaintest.Given(t, roster.StudentDecider, registered, marked, granted, revoked).When(revoke).Then()
		domaintest.Given(t, roster.StudentDecider, registered, marked).When(revoke).Then()
	})
	t.Run("a revocation before the authorisation began is refused", func(t *testing.T) {
		r := revoke
		r.EffectiveFrom = d("2026-08-31")
		domaintest.Given(t, roster.StudentDecider, registered, marked, granted).When(r).ThenError(domain.CodeInvalid)
	})
	t.Run("a missing day or staff id is invalid", func(t *testing.T) {
		c := grant
		c.EffectiveFrom = domain.Date{}
		domaintest.Given(t, roster.StudentDecider, registered, marked).When(c).ThenError(domain.CodeInvalid)
		c = grant
		c.StaffID = "200101011234"
		domaintest.Given(t, roster.StudentDecider, registered, marked).When(c).ThenError(domain.CodeInvalid)
	})
	t.Run("access is judged by day", func(t *testing.T) {
		s := roster.StudentDecider.Fold([]domain.Event{registered, marked, granted, revoked})
		for day, want := range map[string]bool{"2026-08-31": false, "2026-09-01": true, "2026-09-30": true, "2026-10-01": false} {
			if got := s.IdentityVisibleTo("tch1", d(day)); got != want {
				t.Errorf("tch1 on %s: visible = %v, want %v", day, got, want)
			}
		}
		if s.IdentityVisibleTo("adm1", d("2026-09-15")) {
			t.Error("an admin without an authorisation sees a protected identity")
		}
		if !roster.StudentDecider.Fold([]domain.Event{registered}).IdentityVisibleTo("anyone", d("2026-09-15")) {
			t.Error("an unprotected student's name is hidden")
		}
	})
	t.Run("authorised again after a revocation", func(t *testing.T) {
		again := grant
		again.EffectiveFrom = d("2026-11-01")
		ev := granted
		ev.EffectiveFrom = d("2026-11-01")
		domaintest.Given(t, roster.StudentDecider, registered, marked, granted, revoked).When(again).Then(ev)
		s := roster.StudentDecider.Fold([]domain.Event{registered, marked, granted, revoked, ev})
		if s.IdentityVisibleTo("tch1", d("2026-10-15")) || !s.IdentityVisibleTo("tch1", d("2026-11-02")) {
			t.Fatalf("periods = %+v", s.IdentityAccess)
		}
	})
}
