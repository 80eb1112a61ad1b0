package risk

import (
	"context"

	"github.com/iup-platform/iup/domain"
	"github.com/iup-platform/iup/domain/roster"
	"github.com/iup-platform/iup/domain/setup"
)

// prepare loads the facts a risk command needs: today in the organiser's
// zone, the student (grade, mentors), the named course (subject, teachers,
// enrolment) and, for a signal, the term.
func prepare(ctx context.Context, log domain.EventLog, c Command) (Command, error) {
	m := c.CommandMeta()
	tenant := m.Actor.Tenant
	studentID, _, courseID := c.target()
	var f Facts

	org, orgV, err := setup.LoadOrganiser(ctx, log, tenant)
	if err != nil {
		return c, err
	}
	f.Day = domain.DateOf(m.Now, org.Location())
	f.Read = append(f.Read, FactRead{setup.OrganiserStream(tenant), orgV})
	people := []string{m.Actor.ID}
	if m.Actor.OnBehalfOf != "" {
		people = append(people, m.Actor.OnBehalfOf)
	}

	if domain.CheckID("student_id", studentID) == nil {
		st, v, err := roster.LoadStudent(ctx, log, tenant, studentID)
		if err != nil {
			return c, err
		}
		f.Read = append(f.Read, FactRead{roster.StudentStream(tenant, studentID), v})
		f.StudentExists, f.Grade = st.Exists, st.Grade
		for _, id := range people {
			if st.Exists && st.IsMentor(id, f.Day) {
				f.Mentoring = append(f.Mentoring, id)
			}
		}
	}

	if courseID != "" && domain.CheckID("course_id", courseID) == nil {
		course, v, err := roster.LoadCourse(ctx, log, tenant, courseID)
		if err != nil {
			return c, err
		}
		f.Read = append(f.Read, FactRead{roster.CourseStream(tenant, courseID), v})
		f.CourseExists, f.CourseSubject = course.Exists, course.Subject
		for _, id := range people {
			if course.Exists && course.IsTeacher(id, f.Day) {
				f.Teaching = append(f.Teaching, id)
			}
		}
		f.StudentEnrolled = course.Exists && course.IsEnrolled(studentID, f.Day)
	}

	if sig, ok := c.(Signal); ok && sig.Term.Check("term") == nil {
		year, v, err := setup.LoadSchoolYear(ctx, log, tenant, sig.Term.SchoolYear)
		if err != nil {
			return c, err
		}
		f.Read = append(f.Read, FactRead{setup.SchoolYearStream(tenant, sig.Term.SchoolYear), v})
		_, has := year.Term(sig.Term.Kind)
		f.TermExists = year.Exists && has
	}
	return c.withFacts(f), nil
}
