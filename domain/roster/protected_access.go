package roster

import (
	"slices"

	"github.com/iup-platform/iup/domain"
)

// Skyddad identitet: a student with a protected-identity marking has their
// name and personal details shown only to staff explicitly authorised for
// them. The authorisations live on the student's stream, each with the days
// it holds, so access can be judged for any day.

// ProtectedAccessGranted: a staff member may see the protected student's
// name and personal details from EffectiveFrom.
type ProtectedAccessGranted struct {
	StudentID     string      `json:"student_id"`
	StaffID       string      `json:"staff_id"`
	EffectiveFrom domain.Date `json:"effective_from"`
}

// ProtectedAccessRevoked: the authorisation ends; EffectiveFrom is the first
// day without it.
type ProtectedAccessRevoked struct {
	StudentID     string      `json:"student_id"`
	StaffID       string      `json:"staff_id"`
	EffectiveFrom domain.Date `json:"effective_from"`
}

// EventType implements domain.Event.
func (ProtectedAccessGranted) EventType() string { return "roster.protected-access-granted" }

// EventType implements domain.Event.
func (ProtectedAccessRevoked) EventType() string { return "roster.protected-access-revoked" }

func init() {
	domain.Register[ProtectedAccessGranted](domain.Events, 1)
	domain.Register[ProtectedAccessRevoked](domain.Events, 1)
}

// AuthoriseForProtectedStudent lets a staff member see a protected student's
// identity from EffectiveFrom. Organiser admins and the principal of the
// student's school may give it.
type AuthoriseForProtectedStudent struct {
	domain.Meta
	StudentID, StaffID string
	EffectiveFrom      domain.Date
	Facts              Facts
}

// RevokeProtectedStudentAccess ends an authorisation from EffectiveFrom.
type RevokeProtectedStudentAccess struct {
	domain.Meta
	StudentID, StaffID string
	EffectiveFrom      domain.Date
	Facts              Facts
}

func (c AuthoriseForProtectedStudent) studentID() string { return c.StudentID }
func (c RevokeProtectedStudentAccess) studentID() string { return c.StudentID }

func (c AuthoriseForProtectedStudent) withFacts(f Facts) StudentCommand { c.Facts = f; return c }
func (c RevokeProtectedStudentAccess) withFacts(f Facts) StudentCommand { c.Facts = f; return c }

// StaffPeriod is one staff member's authorisation over a half-open span of
// days (To zero = open).
type StaffPeriod struct {
	StaffID  string
	From, To domain.Date
}

// IsProtected reports whether the student carries a protected-identity
// marking (sekretessmarkering or skyddad folkbokföring).
func (s Student) IsProtected() bool {
	return s.Protected != "" && s.Protected != ProtectionNone
}

// IdentityVisibleTo reports whether staffID may see the student's name and
// personal details on day on: always for an unprotected student, and for a
// protected one only under an authorisation in force that day.
func (s Student) IdentityVisibleTo(staffID string, on domain.Date) bool {
	if !s.IsProtected() {
		return true
	}
	return slices.ContainsFunc(s.IdentityAccess, func(p StaffPeriod) bool {
		return p.StaffID == staffID && within(p.From, p.To, on)
	})
}

// openIdentityAccess returns the index of the staff member's authorisation
// without an end, or -1.
func (s Student) openIdentityAccess(staffID string) int {
	for i := len(s.IdentityAccess) - 1; i >= 0; i-- {
		if p := s.IdentityAccess[i]; p.StaffID == staffID && p.To.IsZero() {
			return i
		}
	}
	return -1
}

func decideProtectedAccess(s Student, c StudentCommand) ([]domain.Event, error) {
	var staffID string
	var on domain.Date
	var f Facts
	switch c := c.(type) {
	case AuthoriseForProtectedStudent:
		staffID, on, f = c.StaffID, c.EffectiveFrom, c.Facts
	case RevokeProtectedStudentAccess:
		staffID, on, f = c.StaffID, c.EffectiveFrom, c.Facts
	}
	if err := firstError(domain.CheckID("staff_id", staffID), requireDate("effective_from", on)); err != nil {
		return nil, err
	}
	if err := authorizeSchool(c.CommandMeta().Actor, f.Auth, s.SchoolID); err != nil {
		return nil, err
	}
	open := s.openIdentityAccess(staffID)
	if _, ok := c.(RevokeProtectedStudentAccess); ok {
		// Revoking is allowed whatever the marking: taking access away is
		// always safe, also after the marking was removed.
		if open < 0 {
			return nil, nil
		}
		if on.Before(s.IdentityAccess[open].From) {
			return nil, domain.Invalid("effective_from", "is before the authorisation began (%s)", s.IdentityAccess[open].From)
		}
		return []domain.Event{ProtectedAccessRevoked{StudentID: s.ID, StaffID: staffID, EffectiveFrom: on}}, nil
	}
	if !s.IsProtected() {
		return nil, domain.RuleViolated("the student has no protected-identity marking, so every member of staff with a relation already sees their name: set the marking first")
	}
	if !f.OtherExists {
		return nil, domain.NotFound("there is no staff member with this id: register them first")
	}
	if open >= 0 {
		// Already authorised: a repeated request decides nothing. To move
		// the first day, revoke and authorise again.
		return nil, nil
	}
	return []domain.Event{ProtectedAccessGranted{StudentID: s.ID, StaffID: staffID, EffectiveFrom: on}}, nil
}

func evolveProtectedAccess(st Student, ev domain.Event) Student {
	switch e := ev.(type) {
	case ProtectedAccessGranted:
		st.IdentityAccess = append(slices.Clip(st.IdentityAccess), StaffPeriod{StaffID: e.StaffID, From: e.EffectiveFrom})
	case ProtectedAccessRevoked:
		st.IdentityAccess = slices.Clone(st.IdentityAccess)
		if i := st.openIdentityAccess(e.StaffID); i >= 0 {
			st.IdentityAccess[i].To = e.EffectiveFrom
		}
	}
	return st
}
