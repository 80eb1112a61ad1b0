package plan

import (
	"unicode/utf8"

	"github.com/iup-platform/iup/domain"
)

// Decider is the plan aggregate.
var Decider = domain.Decider[State, Command]{
	Initial: func() State { return State{} },
	Decide:  decide,
	Evolve:  evolve,
	Keep:    "plan",
}

func decide(s State, c Command) ([]domain.Event, error) {
	studentID, term := c.target()
	if err := firstError(domain.CheckID("student_id", studentID), term.Check("term")); err != nil {
		return nil, err
	}
	switch c := c.(type) {
	case Create:
		return decideCreate(s, c)
	case SetField:
		return decideSetField(s, c)
	case AddGoal:
		return decideAddGoal(s, c)
	case EditGoal:
		return decideEditGoal(s, c)
	case EvaluateGoal:
		return decideEvaluateGoal(s, c)
	case RecordAgreements:
		return decideRecordAgreements(s, c)
	case Publish:
		return decidePublication(s, c.Meta, c.Facts, c)
	case Unpublish:
		return decidePublication(s, c.Meta, c.Facts, c)
	case Archive:
		return decidePublication(s, c.Meta, c.Facts, c)
	case AttachLegacyDocument:
		return decideAttach(s, c)
	}
	return nil, domain.Invalid("command", "unknown plan command %T", c)
}

func studentKnown(f Facts) error {
	if !f.StudentExists {
		return domain.NotFound("no such student")
	}
	return nil
}

func checkText(field, text string, max int, required bool) error {
	if required && text == "" {
		return domain.Invalid(field, "is required")
	}
	if !utf8.ValidString(text) {
		return domain.Invalid(field, "must be valid UTF-8 text")
	}
	if utf8.RuneCountInString(text) > max {
		return domain.Invalid(field, "must be at most %d characters", max)
	}
	return nil
}

func decideCreate(s State, c Create) ([]domain.Event, error) {
	if err := firstError(
		domain.CheckID("template_id", c.TemplateID),
		checkText("title", c.Title, MaxTitle, true),
		checkDates(c.Start, c.End),
	); err != nil {
		return nil, err
	}
	if err := firstError(staff(c.Meta, c.Facts), studentKnown(c.Facts)); err != nil {
		return nil, err
	}
	if s.Created {
		// Repeating a (bulk) creation changes nothing, whatever it asks for:
		// the plan keeps the template version it was made from.
		return nil, nil
	}
	t := c.Template
	switch {
	case !t.TermExists:
		return nil, domain.NotFound("the school year has no such term: set up the term first")
	case !t.Exists:
		return nil, domain.NotFound("no such template")
	case t.SchoolID != "" && t.SchoolID != c.Facts.StudentSchoolID:
		return nil, domain.RuleViolated("the template belongs to another school than the student's")
	}
	return []domain.Event{Created{
		PlanID: ID(c.StudentID, c.Term), StudentID: c.StudentID, Term: c.Term,
		TemplateID: c.TemplateID, TemplateVersion: t.Version, Title: c.Title,
		Start: c.Start, End: c.End, Fields: t.Fields, OnBehalfOf: c.Actor.OnBehalfOf,
	}}, nil
}

func checkDates(start, end domain.Date) error {
	switch {
	case start.IsZero():
		return domain.Invalid("start", "is required")
	case end.IsZero():
		return domain.Invalid("end", "is required")
	case end.Before(start):
		return domain.Invalid("end", "must not be before start")
	}
	return nil
}

func decideSetField(s State, c SetField) ([]domain.Event, error) {
	if err := firstError(
		domain.CheckID("key", c.Key),
		checkText("text", c.Text, MaxFieldText, false),
		optionalID("course_id", c.CourseID),
	); err != nil {
		return nil, err
	}
	if err := firstError(relatedToStudent(c.Meta, c.StudentID, c.CourseID, c.Facts), studentKnown(c.Facts), existing(s)); err != nil {
		return nil, err
	}
	f, ok := s.Field(c.Key)
	if !ok {
		return nil, domain.NotFound("the plan's template version has no field %q", c.Key)
	}
	if err := editable(s, c.Meta, c.Reason); err != nil {
		return nil, err
	}
	// An admin's correction of an archived plan may fix any field: it exists
	// to repair what others wrote, and its reason is kept in the event.
	correction := s.Archived && c.Actor.Role == domain.RoleAdmin
	if !f.CanEdit(c.Actor.Role) && !correction {
		return nil, domain.Forbidden("the template does not let role %q edit field %q", c.Actor.Role, c.Key)
	}
	if s.Texts[c.Key] == c.Text {
		return nil, nil
	}
	courseID := ""
	if c.Actor.Role == domain.RoleTeacher {
		courseID = c.CourseID
	}
	return []domain.Event{FieldSet{
		PlanID: s.PlanID, StudentID: c.StudentID, Key: c.Key, Text: c.Text, Sensitive: f.Sensitive,
		CourseID: courseID, Reason: c.Reason, OnBehalfOf: c.Actor.OnBehalfOf,
	}}, nil
}

func optionalID(field, id string) error {
	if id == "" {
		return nil
	}
	return domain.CheckID(field, id)
}
