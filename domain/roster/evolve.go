package roster

import (
	"maps"
	"slices"

	"github.com/iup-platform/iup/domain"
)

func evolveStudent(st Student, ev domain.Event) Student {
	s := &st
	switch e := ev.(type) {
	case StudentRegistered:
		st = Student{
			ID: e.StudentID, SchoolID: e.SchoolID, Grade: e.Grade, SchoolForm: e.SchoolForm, GradesGiven: e.GradesGiven,
			Protected: e.Protected, DisplayName: e.DisplayName, Exists: true,
			Placements: []Placement{{SchoolID: e.SchoolID, From: e.EffectiveFrom}},
		}
	case StudentRenamed:
		s.DisplayName = e.DisplayName
	case StudentDetailsChanged:
		s.Grade, s.SchoolForm, s.GradesGiven = e.Grade, e.SchoolForm, e.GradesGiven
	case StudentProtectionChanged:
		s.Protected = e.Protected
	case StudentMoved:
		s.SchoolID = e.SchoolID
		s.Placements = append(slices.Clip(s.Placements), Placement{SchoolID: e.SchoolID, From: e.EffectiveFrom})
	case StudentLeft:
		s.LeftOn = e.EffectiveFrom
	case GuardianLinked:
		s.Guardians = slices.Clone(s.Guardians)
		if i := s.openGuardian(e.GuardianID); i >= 0 {
			s.Guardians[i].To = e.EffectiveFrom
		}
		s.Guardians = append(s.Guardians, GuardianLink{GuardianID: e.GuardianID, Relation: e.Relation, From: e.EffectiveFrom})
		st.syncRestrictions(e.GuardianID)
	case GuardianUnlinked:
		s.Guardians = slices.Clone(s.Guardians)
		if i := s.openGuardian(e.GuardianID); i >= 0 {
			s.Guardians[i].To = e.EffectiveFrom
		}
	case GuardianRestricted:
		st.restrictions = maps.Clone(st.restrictions)
		if st.restrictions == nil {
			st.restrictions = map[string][]Period{}
		}
		st.restrictions[e.GuardianID] = append(slices.Clip(st.restrictions[e.GuardianID]), Period{From: e.EffectiveFrom})
		st.syncRestrictions(e.GuardianID)
	case GuardianRestrictionLifted:
		ps := slices.Clone(st.restrictions[e.GuardianID])
		if n := len(ps); n > 0 && ps[n-1].To.IsZero() {
			ps[n-1].To = e.EffectiveFrom
		}
		st.restrictions = maps.Clone(st.restrictions)
		st.restrictions[e.GuardianID] = ps
		st.syncRestrictions(e.GuardianID)
	case MentorAssigned:
		s.Mentors = append(slices.Clip(s.Mentors), MentorLink{StaffID: e.StaffID, From: e.EffectiveFrom, To: e.Until})
	case MentorEnded:
		s.Mentors = slices.Clone(s.Mentors)
		if i := s.latestMentor(e.StaffID); i >= 0 {
			s.Mentors[i].To = e.EffectiveFrom
		}
	case ProtectedAccessGranted, ProtectedAccessRevoked:
		st = evolveProtectedAccess(st, e)
	}
	return st
}

// syncRestrictions copies the guardian's restriction periods onto each of
// their links, so the exported links carry them.
func (st *Student) syncRestrictions(guardianID string) {
	ps := st.restrictions[guardianID]
	var from domain.Date
	if n := len(ps); n > 0 && ps[n-1].To.IsZero() {
		from = ps[n-1].From
	}
	st.Guardians = slices.Clone(st.Guardians)
	for i := range st.Guardians {
		if st.Guardians[i].GuardianID == guardianID {
			st.Guardians[i].Restrictions = slices.Clone(ps)
			st.Guardians[i].RestrictedFrom = from
		}
	}
}

// openRestriction returns the guardian's restriction that has no end yet.
func (st Student) openRestriction(guardianID string) (Period, bool) {
	ps := st.restrictions[guardianID]
	if n := len(ps); n > 0 && ps[n-1].To.IsZero() {
		return ps[n-1], true
	}
	return Period{}, false
}

func evolveStaff(s Staff, ev domain.Event) Staff {
	switch e := ev.(type) {
	case StaffRegistered:
		s = Staff{ID: e.StaffID, DisplayName: e.DisplayName, Exists: true}
	case StaffRenamed:
		s.DisplayName = e.DisplayName
	case StaffRoleGranted:
		s.Roles = append(slices.Clip(s.Roles), RoleGrant{Role: e.Role, SchoolID: e.SchoolID, From: e.EffectiveFrom})
	case StaffRoleEnded:
		s.Roles = slices.Clone(s.Roles)
		if i := s.openRole(e.Role, e.SchoolID); i >= 0 {
			s.Roles[i].To = e.EffectiveFrom
		}
	}
	return s
}

func evolveGuardian(g Guardian, ev domain.Event) Guardian {
	switch e := ev.(type) {
	case GuardianRegistered:
		g = Guardian{ID: e.GuardianID, DisplayName: e.DisplayName, Exists: true}
	case GuardianRenamed:
		g.DisplayName = e.DisplayName
	}
	return g
}

func evolveCourse(c Course, ev domain.Event) Course {
	switch e := ev.(type) {
	case CourseCreated:
		c = Course{ID: e.CourseID, SchoolID: e.SchoolID, Subject: e.Subject, Name: e.Name, Term: e.Term, WholeYear: e.WholeYear, Exists: true}
	case CourseTeacherAssigned:
		c.Teachers = append(slices.Clip(c.Teachers), Membership{PersonID: e.StaffID, From: e.EffectiveFrom})
	case CourseTeacherEnded:
		c.Teachers = endMembership(c.Teachers, e.StaffID, e.EffectiveFrom)
	case StudentsEnrolled:
		c.Students = slices.Clip(c.Students)
		for _, id := range e.StudentIDs {
			c.Students = append(c.Students, Membership{PersonID: id, From: e.EffectiveFrom})
		}
	case StudentsUnenrolled:
		for _, id := range e.StudentIDs {
			c.Students = endMembership(c.Students, id, e.EffectiveFrom)
		}
	}
	return c
}

func endMembership(ms []Membership, id string, on domain.Date) []Membership {
	ms = slices.Clone(ms)
	if i := openMembership(ms, id); i >= 0 {
		ms[i].To = on
	}
	return ms
}

// openMembership returns the index of id's open-ended membership, or -1.
func openMembership(ms []Membership, id string) int {
	for i := len(ms) - 1; i >= 0; i-- {
		if ms[i].PersonID == id && ms[i].To.IsZero() {
			return i
		}
	}
	return -1
}
