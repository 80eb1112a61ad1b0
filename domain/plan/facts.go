package plan

import (
	"context"

	"github.com/iup-platform/iup/domain"
	"github.com/iup-platform/iup/domain/roster"
	"github.com/iup-platform/iup/domain/setup"
)

// LoadFacts reads what a plan decision needs about the student and the
// actor's relation to them from the event store: today in the organiser's
// zone, the student (mentor and custody on that day) and, for a teacher, the
// named course. Malformed ids load nothing; the decider refuses them.
func LoadFacts(ctx context.Context, log domain.EventLog, m domain.Meta, studentID, courseID string) (Facts, error) {
	tenant := m.Actor.Tenant
	if domain.CheckID("student_id", studentID) != nil {
		return Facts{}, nil
	}
	day, orgRead, err := setup.Today(ctx, log, tenant, m.Now)
	if err != nil {
		return Facts{}, err
	}
	st, stV, err := roster.LoadStudent(ctx, log, tenant, studentID)
	if err != nil {
		return Facts{}, err
	}
	f := Facts{
		Day: day, StudentExists: st.Exists, StudentSchoolID: st.SchoolID,
		Read: []FactRead{{Stream: orgRead.Stream, Version: orgRead.Version}, {Stream: roster.StudentStream(tenant, studentID), Version: stV}},
	}
	switch m.Actor.Role {
	case domain.RoleMentor:
		f.Mentor = st.IsMentor(m.Actor.ID, day)
	case domain.RoleGuardian:
		f.GuardianActive, f.GuardianRestricted = st.GuardianAccess(m.Actor.ID, day)
	case domain.RoleTeacher:
		if domain.CheckID("course_id", courseID) != nil {
			return f, nil
		}
		course, cV, err := roster.LoadCourse(ctx, log, tenant, courseID)
		if err != nil {
			return Facts{}, err
		}
		f.Teaches, f.Enrolled = course.IsTeacher(m.Actor.ID, day), course.IsEnrolled(studentID, day)
		f.Read = append(f.Read, FactRead{Stream: roster.CourseStream(tenant, courseID), Version: cV})
	}
	return f, nil
}

// LoadTemplateFacts reads the current version of a template and whether the
// school year has the term, for creating plans.
func LoadTemplateFacts(ctx context.Context, log domain.EventLog, tenant, templateID string, term domain.TermRef) (TemplateFacts, error) {
	if domain.CheckID("template_id", templateID) != nil || term.Check("term") != nil {
		return TemplateFacts{}, nil
	}
	tpl, tV, err := setup.LoadTemplate(ctx, log, tenant, templateID)
	if err != nil {
		return TemplateFacts{}, err
	}
	year, yV, err := setup.LoadSchoolYear(ctx, log, tenant, term.SchoolYear)
	if err != nil {
		return TemplateFacts{}, err
	}
	_, hasTerm := year.Term(term.Kind)
	t := TemplateFacts{
		Exists: tpl.Exists, TermExists: year.Exists && hasTerm,
		Read: []FactRead{{Stream: setup.TemplateStream(tenant, templateID), Version: tV}, {Stream: setup.SchoolYearStream(tenant, term.SchoolYear), Version: yV}},
	}
	if tpl.Exists {
		cur := tpl.Current()
		t.Version, t.SchoolID = cur.Version, cur.SchoolID
		for _, f := range cur.Fields {
			t.Fields = append(t.Fields, FieldDef{Key: f.Key, Heading: f.Heading, VisibleTo: f.VisibleTo, EditableBy: f.EditableBy, Sensitive: f.Sensitive})
		}
	}
	return t, nil
}
