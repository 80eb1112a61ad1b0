package roster

import (
	"slices"

	"github.com/iup-platform/iup/domain"
)

// Relation types of a responsible adult (SS12000 relationType).
const (
	RelationGuardian         = "vardnadshavare" // formal guardian, vårdnadshavare
	RelationOtherResponsible = "annan_ansvarig" // other responsible adult
	RelationTrustee          = "god_man"        // god man, in a guardian's place
)

// Relations lists the relation types in a stable order.
var Relations = []string{RelationGuardian, RelationOtherResponsible, RelationTrustee}

// Protected-identity markings (SS12000 securityMarking).
const (
	ProtectionNone        = "none"
	ProtectionSecrecy     = "sekretessmarkering"
	ProtectionProtectedID = "skyddad_folkbokforing"
)

// Protections lists the markings in a stable order.
var Protections = []string{ProtectionNone, ProtectionSecrecy, ProtectionProtectedID}

// within reports whether day on falls in the half-open period [from, to).
func within(from, to, on domain.Date) bool {
	return !on.Before(from) && (to.IsZero() || on.Before(to))
}

// Period is a half-open span of days: From is the first day, To the first
// day after (zero = open-ended).
type Period struct {
	From domain.Date `json:"from"`
	To   domain.Date `json:"to"`
}

// Contains reports whether day on falls in the period.
func (p Period) Contains(on domain.Date) bool { return within(p.From, p.To, on) }

// GuardianLink is one period of a responsible adult's relation to a student.
// A guardian linked again after an end, or with a new relation, gets a new
// link.
type GuardianLink struct {
	GuardianID string
	Relation   string
	From, To   domain.Date // To zero = open
	// RestrictedFrom is the first day of the secrecy restriction in force or
	// planned towards this guardian (zero = not restricted).
	RestrictedFrom domain.Date
	// Restrictions are all restriction periods, so access can be judged for
	// any past day.
	Restrictions []Period
}

// MentorLink is one mentor assignment of a student.
type MentorLink struct {
	StaffID  string
	From, To domain.Date // To zero = open
}

// Placement is the school a student belongs to from a day on.
type Placement struct {
	SchoolID string
	From     domain.Date
}

// Student is the folded stream of one student (elev).
type Student struct {
	ID, SchoolID string // SchoolID is the latest placement
	Grade        int    // årskurs; 0 = förskoleklass
	SchoolForm   string
	GradesGiven  bool
	Protected    string      // one of Protections
	LeftOn       domain.Date // first day outside the organiser; zero = still a student
	Guardians    []GuardianLink
	Mentors      []MentorLink
	Exists       bool
	DisplayName  string
	Placements   []Placement // in order of From
	// IdentityAccess: staff authorised to see a protected identity
	// (protected_access.go).
	IdentityAccess []StaffPeriod
	// restrictions are the secrecy periods per guardian; they outlive any
	// one link, and are copied onto the links for readers.
	restrictions map[string][]Period
}

// IsMentor reports whether staffID is the student's mentor on day on.
func (s Student) IsMentor(staffID string, on domain.Date) bool {
	if !s.LeftOn.IsZero() && !on.Before(s.LeftOn) {
		return false
	}
	return slices.ContainsFunc(s.Mentors, func(m MentorLink) bool { return m.StaffID == staffID && within(m.From, m.To, on) })
}

// GuardianAccess reports whether guardianID is a guardian of the student on
// day on, and whether a secrecy restriction is in force towards them then.
// Only a formal guardian (vårdnadshavare) or a god man, whose relation is
// active that day, counts as active: another responsible adult is recorded
// but gets no guardian access by default.
func (s Student) GuardianAccess(guardianID string, on domain.Date) (active, restricted bool) {
	for _, g := range s.Guardians {
		if g.GuardianID != guardianID {
			continue
		}
		if within(g.From, g.To, on) && (g.Relation == RelationGuardian || g.Relation == RelationTrustee) {
			active = true
		}
		if slices.ContainsFunc(g.Restrictions, func(p Period) bool { return p.Contains(on) }) {
			restricted = true
		}
	}
	return active, restricted
}

// GuardianOn returns the guardian's link active on day on, of any relation.
func (s Student) GuardianOn(guardianID string, on domain.Date) (GuardianLink, bool) {
	for _, g := range s.Guardians {
		if g.GuardianID == guardianID && within(g.From, g.To, on) {
			return g, true
		}
	}
	return GuardianLink{}, false
}

// SchoolOn is the school the student belongs to on day on ("" before the
// first placement or from the day they left).
func (s Student) SchoolOn(on domain.Date) string {
	if !s.LeftOn.IsZero() && !on.Before(s.LeftOn) {
		return ""
	}
	school := ""
	for _, p := range s.Placements {
		if !on.Before(p.From) {
			school = p.SchoolID
		}
	}
	return school
}

// openGuardian returns the index of the guardian's latest open-ended link.
func (s Student) openGuardian(guardianID string) int {
	for i := len(s.Guardians) - 1; i >= 0; i-- {
		if g := s.Guardians[i]; g.GuardianID == guardianID && g.To.IsZero() {
			return i
		}
	}
	return -1
}

// latestGuardian returns the index of the guardian's latest link.
func (s Student) latestGuardian(guardianID string) int {
	for i := len(s.Guardians) - 1; i >= 0; i-- {
		if s.Guardians[i].GuardianID == guardianID {
			return i
		}
	}
	return -1
}

// latestMentor returns the index of the staff member's latest assignment.
func (s Student) latestMentor(staffID string) int {
	for i := len(s.Mentors) - 1; i >= 0; i-- {
		if s.Mentors[i].StaffID == staffID {
			return i
		}
	}
	return -1
}
