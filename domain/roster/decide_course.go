package roster

import (
	"github.com/iup-platform/iup/domain"
	"github.com/iup-platform/iup/domain/setup"
)

// CourseDecider is the course aggregate.
var CourseDecider = domain.Decider[Course, CourseCommand]{
	Initial: func() Course { return Course{} },
	Decide:  decideCourse,
	Evolve:  evolveCourse,
	Keep:    "roster.course",
}

func decideCourse(s Course, c CourseCommand) ([]domain.Event, error) {
	if err := domain.CheckID("course_id", c.courseID()); err != nil {
		return nil, err
	}
	if cc, ok := c.(CreateCourse); ok {
		return decideCreateCourse(s, cc)
	}
	if !s.Exists {
		return nil, domain.NotFound("there is no course with this id")
	}
	a := c.CommandMeta().Actor
	switch c := c.(type) {
	case AssignTeacher, EndTeacher:
		staff, on, f, assign := teacherTarget(c)
		if err := firstError(domain.CheckID("staff_id", staff), requireDate("effective_from", on), authorizeSchool(a, f.Auth, s.SchoolID)); err != nil {
			return nil, err
		}
		i := openMembership(s.Teachers, staff)
		if assign {
			if !f.OtherExists {
				return nil, domain.NotFound("there is no staff member with this id")
			}
			if i >= 0 {
				return nil, nil
			}
			return []domain.Event{CourseTeacherAssigned{CourseID: s.ID, StaffID: staff, EffectiveFrom: on}}, nil
		}
		if i < 0 {
			return nil, nil
		}
		if on.Before(s.Teachers[i].From) {
			return nil, domain.Invalid("effective_from", "is before the teacher began (%s)", s.Teachers[i].From)
		}
		return []domain.Event{CourseTeacherEnded{CourseID: s.ID, StaffID: staff, EffectiveFrom: on}}, nil
	case EnrolStudents:
		ids, err := normaliseIDs("student_ids", c.StudentIDs)
		if err = firstError(err, requireDate("effective_from", c.EffectiveFrom), authorizeSchool(a, c.Facts.Auth, s.SchoolID)); err != nil {
			return nil, err
		}
		if n := len(c.Facts.Missing); n > 0 {
			return nil, domain.NotFound("%d of the students do not exist, first %s: register them first", n, c.Facts.Missing[0])
		}
		var added []string
		for _, id := range ids {
			if openMembership(s.Students, id) < 0 {
				added = append(added, id)
			}
		}
		if len(added) == 0 {
			return nil, nil
		}
		return []domain.Event{StudentsEnrolled{CourseID: s.ID, StudentIDs: added, EffectiveFrom: c.EffectiveFrom}}, nil
	case UnenrolStudents:
		ids, err := normaliseIDs("student_ids", c.StudentIDs)
		if err = firstError(err, requireDate("effective_from", c.EffectiveFrom), authorizeSchool(a, c.Facts.Auth, s.SchoolID)); err != nil {
			return nil, err
		}
		var removed []string
		for _, id := range ids {
			if i := openMembership(s.Students, id); i >= 0 {
				if c.EffectiveFrom.Before(s.Students[i].From) {
					return nil, domain.Invalid("effective_from", "is before student %s was enrolled (%s)", id, s.Students[i].From)
				}
				removed = append(removed, id)
			}
		}
		if len(removed) == 0 {
			return nil, nil
		}
		return []domain.Event{StudentsUnenrolled{CourseID: s.ID, StudentIDs: removed, EffectiveFrom: c.EffectiveFrom}}, nil
	}
	return nil, domain.Invalid("command", "is not a course command")
}

func teacherTarget(c CourseCommand) (staffID string, on domain.Date, f Facts, assign bool) {
	if t, ok := c.(AssignTeacher); ok {
		return t.StaffID, t.EffectiveFrom, t.Facts, true
	}
	t := c.(EndTeacher)
	return t.StaffID, t.EffectiveFrom, t.Facts, false
}

func decideCreateCourse(s Course, c CreateCourse) ([]domain.Event, error) {
	name, err := checkName("name", c.Name)
	if err = firstError(err, domain.CheckID("school_id", c.SchoolID), checkCourseTerm(c.Term, c.WholeYear)); err != nil {
		return nil, err
	}
	if !setup.ValidSubjectCode(c.Subject) {
		return nil, domain.Invalid("subject", "must be a subject code such as SV, MA or M2 SPA")
	}
	if err := authorizeSchool(c.Actor, c.Facts.Auth, c.SchoolID); err != nil {
		return nil, err
	}
	ev := CourseCreated{CourseID: c.CourseID, SchoolID: c.SchoolID, Subject: c.Subject, Name: name, Term: c.Term, WholeYear: c.WholeYear}
	if s.Exists {
		if s.SchoolID == ev.SchoolID && s.Subject == ev.Subject && s.Name == name && s.Term == ev.Term && s.WholeYear == ev.WholeYear {
			return nil, nil
		}
		return nil, domain.RuleViolated("a course with this id already exists: choose another id")
	}
	for _, miss := range []struct {
		ok   bool
		what string
	}{{c.Facts.SchoolExists, "school"}, {c.Facts.SchoolYearExists, "school year"}, {c.Facts.SubjectExists, "subject code"}} {
		if !miss.ok {
			return nil, domain.NotFound("there is no such %s: set it up first", miss.what)
		}
	}
	return []domain.Event{ev}, nil
}

func checkCourseTerm(t domain.TermRef, wholeYear bool) error {
	if !wholeYear {
		return t.Check("term")
	}
	if t.Kind != "" {
		return domain.Invalid("term.kind", "must be empty for a whole-year course")
	}
	return domain.CheckID("term.school_year", t.SchoolYear)
}
