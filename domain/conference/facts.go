package conference

import (
	"context"

	"github.com/iup-platform/iup/domain"
	"github.com/iup-platform/iup/domain/assessment"
	"github.com/iup-platform/iup/domain/plan"
	"github.com/iup-platform/iup/domain/roster"
	"github.com/iup-platform/iup/domain/setup"
)

// LoadFacts reads what a conference decision needs from the event store:
// today and the support setting from the organiser; the student, the
// actor's relation to them, and the custody of every named guardian and the
// acting guardian; the mentorship of every named mentor; and whether the
// school year has the term. Malformed ids load nothing; the decider refuses them.
func LoadFacts(ctx context.Context, log domain.EventLog, m domain.Meta, studentID string, term domain.TermRef, participants []Participant) (Facts, error) {
	tenant := m.Actor.Tenant
	if domain.CheckID("student_id", studentID) != nil {
		return Facts{}, nil
	}
	org, orgV, err := setup.LoadOrganiser(ctx, log, tenant)
	if err != nil {
		return Facts{}, err
	}
	day := domain.DateOf(m.Now, org.Location())
	st, stV, err := roster.LoadStudent(ctx, log, tenant, studentID)
	if err != nil {
		return Facts{}, err
	}
	f := Facts{
		Day: day, StudentExists: st.Exists, ShowSupportToHome: org.ShowSupportToHome,
		Mentor:    m.Actor.Role == domain.RoleMentor && st.IsMentor(m.Actor.ID, day),
		Guardians: map[string]GuardianAccess{}, Mentors: map[string]bool{},
		Read: []FactRead{{Stream: setup.OrganiserStream(tenant), Version: orgV}, {Stream: roster.StudentStream(tenant, studentID), Version: stV}},
	}
	guardian := func(id string) {
		active, restricted := st.GuardianAccess(id, day)
		f.Guardians[id] = GuardianAccess{Active: active, Restricted: restricted}
	}
	if m.Actor.Role == domain.RoleGuardian {
		guardian(m.Actor.ID)
	}
	for _, p := range participants {
		switch p.Role {
		case RoleGuardian:
			guardian(p.PersonID)
		case RoleMentor:
			f.Mentors[p.PersonID] = st.IsMentor(p.PersonID, day)
		}
	}
	if term.Check("term") == nil {
		year, yV, err := setup.LoadSchoolYear(ctx, log, tenant, term.SchoolYear)
		if err != nil {
			return Facts{}, err
		}
		_, ok := year.Term(term.Kind)
		f.TermExists = year.Exists && ok
		f.Read = append(f.Read, FactRead{Stream: setup.SchoolYearStream(tenant, term.SchoolYear), Version: yV})
	}
	return f, nil
}

// LoadSnapshot reads the versions of the student's plan for the term and of
// each of the student's assessment entries for the term, as they stand now.
func LoadSnapshot(ctx context.Context, log domain.EventLog, tenant, studentID string, term domain.TermRef) (Snapshot, error) {
	stream := plan.Stream(tenant, studentID, term)
	loaded, err := log.Load(ctx, stream)
	if err != nil {
		return Snapshot{}, err
	}
	entries, err := assessment.LoadStudentTermEntries(ctx, log, tenant, studentID, term)
	if err != nil {
		return Snapshot{}, err
	}
	s := Snapshot{PlanStream: stream, PlanVersion: loaded.Version, Entries: make([]RecordedEntry, 0, len(entries))}
	for _, e := range entries {
		s.Entries = append(s.Entries, RecordedEntry{RoundID: e.RoundID, CourseID: e.CourseID, Stream: e.Stream, Version: e.Version})
	}
	return s, nil
}
