package relations

import (
	"slices"

	"github.com/iup-platform/iup/domain"
	"github.com/iup-platform/iup/domain/roster"
)

// GuardianAccess mirrors roster.Student.GuardianAccess on the view's copy:
// active when guardianID is a formal guardian (or god man) of s on day d,
// restricted when secrecy towards that guardian holds on d. Only formal
// guardians see a student by default; "annan ansvarig" does not.
func (s Student) GuardianAccess(guardianID string, d domain.Date) (active, restricted bool) {
	for _, g := range s.Guardians {
		if g.ID == guardianID && g.HoldsOn(d) && (g.Relation == roster.RelationGuardian || g.Relation == roster.RelationTrustee) {
			active = true
		}
	}
	restricted = slices.ContainsFunc(s.Restrictions, func(p Period) bool { return p.ID == guardianID && p.HoldsOn(d) })
	return active, restricted
}

// IsMentor reports whether staffID mentors s on day d.
func (s Student) IsMentor(staffID string, d domain.Date) bool {
	return slices.ContainsFunc(s.Mentors, func(p Period) bool { return p.ID == staffID && p.HoldsOn(d) })
}

// IsTeacher reports whether staffID teaches c on day d.
func (c Course) IsTeacher(staffID string, d domain.Date) bool {
	return slices.ContainsFunc(c.Teachers, func(p Period) bool { return p.ID == staffID && p.HoldsOn(d) })
}

// IsEnrolled reports whether studentID is enrolled in c on day d.
func (c Course) IsEnrolled(studentID string, d domain.Date) bool {
	return slices.ContainsFunc(c.Students, func(p Period) bool { return p.ID == studentID && p.HoldsOn(d) })
}

// EverEnrolled lists every student ever enrolled in c, sorted: an omdöme
// round is about the students of its term, whatever happens later.
func (c Course) EverEnrolled() []string {
	var ids []string
	for _, p := range c.Students {
		ids = addSorted(ids, p.ID)
	}
	return ids
}
