package roster

import (
	"slices"

	"github.com/iup-platform/iup/domain"
	"github.com/iup-platform/iup/domain/setup"
)

// StudentDecider is the student aggregate.
var StudentDecider = domain.Decider[Student, StudentCommand]{
	Initial: func() Student { return Student{} },
	Decide:  decideStudent,
	Evolve:  evolveStudent,
	Keep:    "roster.student",
}

func decideStudent(s Student, c StudentCommand) ([]domain.Event, error) {
	if err := domain.CheckID("student_id", c.studentID()); err != nil {
		return nil, err
	}
	if reg, ok := c.(RegisterStudent); ok {
		return decideRegisterStudent(s, reg)
	}
	if !s.Exists {
		return nil, domain.NotFound("there is no student with this id")
	}
	a := c.CommandMeta().Actor
	switch c := c.(type) {
	case MoveStudent:
		return decideMove(s, c)
	case RenameStudent:
		if err := authorizeSchool(a, c.Facts.Auth, s.SchoolID); err != nil {
			return nil, err
		}
		name, err := checkName("display_name", c.DisplayName)
		if err != nil || name == s.DisplayName {
			return nil, err
		}
		return []domain.Event{StudentRenamed{StudentID: s.ID, DisplayName: name}}, nil
	case ChangeStudentDetails:
		if err := firstError(checkDetails(c.Grade, c.SchoolForm), requireDate("effective_from", c.EffectiveFrom),
			authorizeSchool(a, c.Facts.Auth, s.SchoolID)); err != nil {
			return nil, err
		}
		if c.Grade == s.Grade && c.SchoolForm == s.SchoolForm && c.GradesGiven == s.GradesGiven {
			return nil, nil
		}
		return []domain.Event{StudentDetailsChanged{StudentID: s.ID, Grade: c.Grade, SchoolForm: c.SchoolForm,
			GradesGiven: c.GradesGiven, EffectiveFrom: c.EffectiveFrom}}, nil
	case SetProtection:
		p, err := checkProtection(c.Protected)
		if err = firstError(err, requireDate("effective_from", c.EffectiveFrom), authorizeSchool(a, c.Facts.Auth, s.SchoolID)); err != nil {
			return nil, err
		}
		if p == s.Protected {
			return nil, nil
		}
		return []domain.Event{StudentProtectionChanged{StudentID: s.ID, Protected: p, EffectiveFrom: c.EffectiveFrom}}, nil
	case RecordLeaving:
		if err := firstError(requireDate("effective_from", c.EffectiveFrom), authorizeSchool(a, c.Facts.Auth, s.SchoolID)); err != nil {
			return nil, err
		}
		if c.EffectiveFrom.Before(s.Placements[0].From) {
			return nil, domain.Invalid("effective_from", "is before the student was registered (%s)", s.Placements[0].From)
		}
		if c.EffectiveFrom == s.LeftOn {
			return nil, nil
		}
		return []domain.Event{StudentLeft{StudentID: s.ID, EffectiveFrom: c.EffectiveFrom}}, nil
	case LinkGuardian, UnlinkGuardian, RestrictGuardian, LiftGuardianRestriction:
		return decideGuardianLink(s, c)
	case AssignMentor, EndMentor:
		return decideMentor(s, c)
	case AuthoriseForProtectedStudent, RevokeProtectedStudentAccess:
		return decideProtectedAccess(s, c)
	}
	return nil, domain.Invalid("command", "is not a student command")
}

func decideRegisterStudent(s Student, c RegisterStudent) ([]domain.Event, error) {
	name, err := checkName("display_name", c.DisplayName)
	p, perr := checkProtection(c.Protected)
	if err := firstError(err, perr, domain.CheckID("school_id", c.SchoolID), checkDetails(c.Grade, c.SchoolForm),
		requireDate("effective_from", c.EffectiveFrom)); err != nil {
		return nil, err
	}
	if err := authorizeSchool(c.Actor, c.Facts.Auth, c.SchoolID); err != nil {
		return nil, err
	}
	ev := StudentRegistered{StudentID: c.StudentID, SchoolID: c.SchoolID, Grade: c.Grade, SchoolForm: c.SchoolForm,
		GradesGiven: c.GradesGiven, Protected: p, DisplayName: name, EffectiveFrom: c.EffectiveFrom}
	if s.Exists {
		// A repeated registration (a retried request or a re-run import)
		// decides nothing; other details are changed with their own commands.
		if s.SchoolID == ev.SchoolID && s.Grade == ev.Grade && s.SchoolForm == ev.SchoolForm &&
			s.GradesGiven == ev.GradesGiven && s.Protected == p && s.DisplayName == name {
			return nil, nil
		}
		return nil, domain.RuleViolated("a student with this id already exists: change their details instead")
	}
	if err := checkSchool(c.Facts, c.SchoolForm); err != nil {
		return nil, err
	}
	return []domain.Event{ev}, nil
}

func decideMove(s Student, c MoveStudent) ([]domain.Event, error) {
	if err := firstError(domain.CheckID("school_id", c.SchoolID), requireDate("effective_from", c.EffectiveFrom)); err != nil {
		return nil, err
	}
	if err := authorizeSchool(c.Actor, c.Facts.Auth, s.SchoolID, c.SchoolID); err != nil {
		return nil, err
	}
	if c.SchoolID == s.SchoolID {
		return nil, nil
	}
	if err := checkSchool(c.Facts, s.SchoolForm); err != nil {
		return nil, err
	}
	if last := s.Placements[len(s.Placements)-1]; !last.From.Before(c.EffectiveFrom) {
		return nil, domain.Invalid("effective_from", "must be after the student's latest move (%s)", last.From)
	}
	return []domain.Event{StudentMoved{StudentID: s.ID, FromSchoolID: s.SchoolID, SchoolID: c.SchoolID, EffectiveFrom: c.EffectiveFrom}}, nil
}

// checkSchool: the named school exists and runs the student's school form.
func checkSchool(f Facts, form string) error {
	if !f.SchoolExists {
		return domain.NotFound("there is no school with this id: register the school first")
	}
	if !slices.Contains(f.SchoolForms, form) {
		return domain.RuleViolated("the school does not run the school form %s: add it to the school or choose another", form)
	}
	return nil
}

// checkDetails: grade 0 is förskoleklass and only that; grade 10 exists only
// in specialskola.
func checkDetails(grade int, form string) error {
	if !setup.ValidSchoolForm(form) {
		return domain.Invalid("school_form", "%q is not a school form", form)
	}
	switch {
	case grade < 0 || grade > MaxGrade:
		return domain.Invalid("grade", "must be 0 (förskoleklass) to %d, not %d", MaxGrade, grade)
	case (grade == 0) != (form == setup.FormForskoleklass):
		return domain.Invalid("grade", "grade 0 is förskoleklass, and förskoleklass is grade 0")
	case grade == 10 && form != setup.FormSpecialskola:
		return domain.Invalid("grade", "grade 10 exists only in specialskola")
	}
	return nil
}

func checkProtection(p string) (string, error) {
	if p == "" {
		return ProtectionNone, nil
	}
	if !slices.Contains(Protections, p) {
		return "", domain.Invalid("protected", "must be one of none, sekretessmarkering, skyddad_folkbokforing")
	}
	return p, nil
}
