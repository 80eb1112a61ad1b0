package risk

import (
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/iup-platform/iup/domain"
)

// State is a folded risk signal.
type State struct {
	Active   bool
	Term     domain.TermRef
	CourseID string
	Note     string
	Signals  int // how often it was signalled, updates included
}

// Decider is the risk-signal aggregate.
var Decider = domain.Decider[State, Command]{
	Initial: func() State { return State{} },
	Decide:  decide,
	Evolve:  evolve,
}

func evolve(s State, ev domain.Event) State {
	switch e := ev.(type) {
	case RiskSignalled:
		s = State{Active: true, Term: e.Term, CourseID: e.CourseID, Note: e.Note, Signals: s.Signals + 1}
	case RiskWithdrawn:
		s.Active, s.Note, s.CourseID = false, "", ""
	}
	return s
}

func decide(s State, c Command) ([]domain.Event, error) {
	studentID, subject, courseID := c.target()
	if err := domain.CheckID("student_id", studentID); err != nil {
		return nil, err
	}
	if err := CheckSubject("subject", subject); err != nil {
		return nil, err
	}
	if courseID != "" {
		if err := domain.CheckID("course_id", courseID); err != nil {
			return nil, err
		}
	}
	m := c.CommandMeta()
	switch c := c.(type) {
	case Signal:
		note := strings.TrimSpace(c.Note)
		if err := firstError(c.Term.Check("term"), checkText("note", note, MaxNote)); err != nil {
			return nil, err
		}
		by, err := authorize(m.Actor, subject, courseID, c.Facts)
		if err != nil {
			return nil, err
		}
		if !c.Facts.TermExists {
			return nil, domain.NotFound("the school year has no such term: create the school year and its terms first")
		}
		if s.Active && s.Term == c.Term && s.CourseID == courseID && s.Note == note {
			return nil, nil
		}
		return []domain.Event{RiskSignalled{StudentID: studentID, Subject: subject, Term: c.Term, CourseID: courseID,
			Grade: c.Facts.Grade, DutyYear: DutyYear(c.Facts.Grade), Note: note, OnBehalfOf: by}}, nil
	case Withdraw:
		reason := strings.TrimSpace(c.Reason)
		if err := checkText("reason", reason, MaxReason); err != nil {
			return nil, err
		}
		if reason == "" {
			return nil, domain.Invalid("reason", "is required: say why the risk signal is withdrawn")
		}
		by, err := authorize(m.Actor, subject, courseID, c.Facts)
		if err != nil || !s.Active {
			return nil, err
		}
		return []domain.Event{RiskWithdrawn{StudentID: studentID, Subject: subject, Reason: reason, OnBehalfOf: by}}, nil
	}
	return nil, domain.Invalid("command", "is not a risk-signal command")
}

// authorize allows the student's mentor, or a teacher of the named course
// when the course is in the subject and the student is enrolled in it; an
// organiser admin may act on behalf of either. It returns the id to record
// as on_behalf_of.
func authorize(a domain.Actor, subject, courseID string, f Facts) (string, error) {
	acting, by := a.ID, ""
	switch a.Role {
	case domain.RoleTeacher, domain.RoleMentor:
		if a.OnBehalfOf != "" {
			return "", domain.Forbidden("only an organiser admin may act on behalf of someone")
		}
	case domain.RoleAdmin:
		if a.OnBehalfOf == "" {
			return "", domain.Forbidden("an organiser admin signals on behalf of a teacher or mentor: name that person")
		}
		acting, by = a.OnBehalfOf, a.OnBehalfOf
	default:
		return "", domain.Forbidden("only the student's mentor or a teacher of the subject may signal a risk")
	}
	if !f.StudentExists {
		return "", domain.NotFound("there is no student with this id")
	}
	if slices.Contains(f.Mentoring, acting) {
		return by, nil
	}
	if courseID == "" {
		return "", domain.Forbidden("a teacher names the course in this subject through which they teach the student")
	}
	if !f.CourseExists {
		return "", domain.NotFound("there is no course with this id")
	}
	if !slices.Contains(f.Teaching, acting) {
		return "", domain.Forbidden("only the student's mentor or a teacher of the named course may signal a risk")
	}
	if f.CourseSubject != subject {
		return "", domain.Forbidden("the named course is in another subject: name a course in this subject")
	}
	if !f.StudentEnrolled {
		return "", domain.Forbidden("the student is not enrolled in the named course")
	}
	return by, nil
}

func checkText(field, s string, max int) error {
	if !utf8.ValidString(s) {
		return domain.Invalid(field, "is not valid UTF-8 text")
	}
	if n := utf8.RuneCountInString(s); n > max {
		return domain.Invalid(field, "is %d characters; at most %d are allowed", n, max)
	}
	return nil
}

func firstError(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
