package roster

import (
	"slices"

	"github.com/iup-platform/iup/domain"
)

// RoleGrant is one period in which a staff member holds a role. SchoolID is
// "" for an organiser admin.
type RoleGrant struct {
	Role     domain.Role
	SchoolID string
	From, To domain.Date // To zero = open
}

// Staff is the folded stream of one staff member.
type Staff struct {
	ID          string
	Exists      bool
	DisplayName string
	Roles       []RoleGrant
}

// HasRole reports whether the staff member holds role r at schoolID on day
// on; schoolID is "" for organiser admin.
func (s Staff) HasRole(r domain.Role, schoolID string, on domain.Date) bool {
	return slices.ContainsFunc(s.Roles, func(g RoleGrant) bool {
		return g.Role == r && g.SchoolID == schoolID && within(g.From, g.To, on)
	})
}

// SchoolsWithRole lists the schools where the staff member holds role r on
// day on, sorted.
func (s Staff) SchoolsWithRole(r domain.Role, on domain.Date) []string {
	var out []string
	for _, g := range s.Roles {
		if g.Role == r && g.SchoolID != "" && within(g.From, g.To, on) && !slices.Contains(out, g.SchoolID) {
			out = append(out, g.SchoolID)
		}
	}
	slices.Sort(out)
	return out
}

func (s Staff) openRole(r domain.Role, schoolID string) int {
	for i := len(s.Roles) - 1; i >= 0; i-- {
		if g := s.Roles[i]; g.Role == r && g.SchoolID == schoolID && g.To.IsZero() {
			return i
		}
	}
	return -1
}

// Guardian is the folded stream of one guardian (a person).
type Guardian struct {
	ID          string
	Exists      bool
	DisplayName string
}

// Membership is one period of a teacher teaching, or a student being
// enrolled in, a course.
type Membership struct {
	PersonID string
	From, To domain.Date // To zero = open
}

// Course is the folded stream of one course (kurs): a taught group in a
// subject at a school, for one term or a whole school year.
type Course struct {
	ID, SchoolID, Subject string
	Name                  string
	Term                  domain.TermRef // Kind is "" when WholeYear
	WholeYear             bool
	Exists                bool
	Teachers              []Membership
	Students              []Membership
}

// IsTeacher reports whether staffID teaches the course on day on.
func (c Course) IsTeacher(staffID string, on domain.Date) bool {
	return member(c.Teachers, staffID, on)
}

// IsEnrolled reports whether studentID is enrolled in the course on day on.
func (c Course) IsEnrolled(studentID string, on domain.Date) bool {
	return member(c.Students, studentID, on)
}

// Enrolled lists the students enrolled on day on, sorted.
func (c Course) Enrolled(on domain.Date) []string {
	out := []string{}
	for _, m := range c.Students {
		if within(m.From, m.To, on) && !slices.Contains(out, m.PersonID) {
			out = append(out, m.PersonID)
		}
	}
	slices.Sort(out)
	return out
}

// CoversTerm reports whether the course is taught in term t: its own term,
// or either term of its school year for a whole-year course.
func (c Course) CoversTerm(t domain.TermRef) bool {
	if !c.Exists || t.SchoolYear != c.Term.SchoolYear {
		return false
	}
	return c.WholeYear || t.Kind == c.Term.Kind
}

func member(ms []Membership, id string, on domain.Date) bool {
	return slices.ContainsFunc(ms, func(m Membership) bool { return m.PersonID == id && within(m.From, m.To, on) })
}
