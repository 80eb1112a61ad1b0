package plan

import "github.com/iup-platform/iup/domain"

// relatedToStudent checks the actor's relation to the student whose plan it
// is: an admin of the organiser, the student's mentor, the student
// themself, a guardian with active, unrestricted custody, or a teacher who
// teaches the student in the named course. Field edits use it; which fields
// each role may edit is the template's business.
func relatedToStudent(m domain.Meta, studentID, courseID string, f Facts) error {
	switch m.Actor.Role {
	case domain.RoleAdmin:
		return nil
	case domain.RoleMentor:
		if f.Mentor {
			return nil
		}
		return domain.Forbidden("only a mentor of the student may do this")
	case domain.RoleStudent:
		if m.Actor.ID == studentID {
			return nil
		}
		return domain.Forbidden("a student may only change their own plan")
	case domain.RoleGuardian:
		if !f.GuardianActive {
			return domain.Forbidden("only a guardian of the student may do this")
		}
		if f.GuardianRestricted {
			return domain.Forbidden("your access to this student is restricted: ask the school")
		}
		return nil
	case domain.RoleTeacher:
		if courseID == "" {
			return domain.Invalid("course_id", "is required when a teacher writes: name the course you teach the student in")
		}
		if f.Teaches && f.Enrolled {
			return nil
		}
		return domain.Forbidden("only a teacher who teaches the student in the named course may do this")
	}
	return domain.Forbidden("role %q may not change plans", m.Actor.Role)
}

// staff checks that the actor runs the plan: the student's mentor or an
// organiser admin (who may act on someone's behalf; the event records it).
func staff(m domain.Meta, f Facts) error {
	switch {
	case m.Actor.Role == domain.RoleAdmin:
		return nil
	case m.Actor.Role == domain.RoleMentor && f.Mentor:
		return nil
	}
	return domain.Forbidden("only the student's mentor or an organiser admin may do this")
}

// editable guards changes to the plan's content. An archived plan takes no
// more edits, except a correction by an organiser admin with a reason; the
// reason is kept in the event. Outside that case a reason is refused, so an
// event's reason always means "correction of an archived plan".
func editable(s State, m domain.Meta, reason string) error {
	if len(reason) > MaxReason {
		return domain.Invalid("reason", "must be at most %d characters", MaxReason)
	}
	if !s.Archived {
		if reason != "" {
			return domain.Invalid("reason", "is only given when correcting an archived plan: leave it empty")
		}
		return nil
	}
	if m.Actor.Role != domain.RoleAdmin {
		return domain.RuleViolated("the plan is archived: only an organiser admin can correct it, with a reason")
	}
	if reason == "" {
		return domain.Invalid("reason", "is required to correct an archived plan")
	}
	return nil
}

// existing checks that the plan was made.
func existing(s State) error {
	if !s.Created {
		return domain.NotFound("there is no plan for this student and term: create it first")
	}
	return nil
}

// firstError returns the first non-nil error.
func firstError(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
