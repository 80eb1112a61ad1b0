package conference

import (
	"fmt"
	"regexp"
	"slices"
	"unicode/utf8"

	"github.com/iup-platform/iup/domain"
)

// Decider is the conference aggregate.
var Decider = domain.Decider[State, Command]{
	Initial: func() State { return State{} },
	Decide:  decide,
	Evolve:  evolve,
	Keep:    "conference",
}

func decide(s State, c Command) ([]domain.Event, error) {
	if err := domain.CheckID("conference_id", c.conferenceID()); err != nil {
		return nil, err
	}
	switch c := c.(type) {
	case Schedule:
		return decideSchedule(s, c)
	case Reschedule:
		return decideReschedule(s, c)
	case Cancel:
		return decideCancel(s, c)
	case Hold:
		return decideHold(s, c)
	case Acknowledge:
		return decideAcknowledge(s, c)
	}
	return nil, domain.Invalid("command", "unknown conference command %T", c)
}

// staff: the student's mentor or an organiser admin books talks.
func staff(m domain.Meta, f Facts) error {
	if m.Actor.Role == domain.RoleAdmin || (m.Actor.Role == domain.RoleMentor && f.Mentor) {
		return nil
	}
	return domain.Forbidden("only the student's mentor or an organiser admin may book or change a talk")
}

func firstError(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

func checkText(field, text string, max int, required bool) error {
	switch {
	case required && text == "":
		return domain.Invalid(field, "is required")
	case !utf8.ValidString(text):
		return domain.Invalid(field, "must be valid UTF-8 text")
	case utf8.RuneCountInString(text) > max:
		return domain.Invalid(field, "must be at most %d characters", max)
	}
	return nil
}

func studentKnown(f Facts) error {
	if !f.StudentExists {
		return domain.NotFound("no such student")
	}
	return nil
}

func existing(s State) error {
	if !s.Exists {
		return domain.NotFound("no such conference")
	}
	return nil
}

// open: a talk not yet held or cancelled. A held talk is frozen.
func open(s State) error {
	switch {
	case s.Held:
		return domain.RuleViolated("the talk has been held and its record is frozen")
	case s.Cancelled:
		return domain.RuleViolated("the talk is cancelled: schedule a new one")
	}
	return nil
}

var languageTag = regexp.MustCompile(`^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$`)

// checkBooking validates time, place, participants and interpreter. The
// student is never the interpreter.
func checkBooking(studentID string, b Booking) error {
	if b.At.IsZero() {
		return domain.Invalid("at", "is required")
	}
	if err := checkText("place", b.Place, MaxPlace, true); err != nil {
		return err
	}
	if b.InterpreterLanguage != "" && (len(b.InterpreterLanguage) > maxLanguageTagSize || !languageTag.MatchString(b.InterpreterLanguage)) {
		return domain.Invalid("interpreter_language", "must be a language tag such as \"ar\", \"so\" or \"ti\"")
	}
	if len(b.Participants) == 0 || len(b.Participants) > MaxParticipants {
		return domain.Invalid("participants", "must name 1 to %d people", MaxParticipants)
	}
	seen := map[string]bool{}
	for i, p := range b.Participants {
		field := fmt.Sprintf("participants[%d]", i)
		if err := domain.CheckID(field+".person_id", p.PersonID); err != nil {
			return err
		}
		if !p.Role.Valid() {
			return domain.Invalid(field+".role", "must be student, guardian, mentor, teacher, principal, student-health, interpreter or other")
		}
		if seen[p.PersonID] {
			return domain.Invalid(field+".person_id", "names someone already listed: each person comes in one role")
		}
		seen[p.PersonID] = true
		switch {
		case p.Role == RoleInterpreter && p.PersonID == studentID:
			return domain.RuleViolated("the student can never be the interpreter: book an interpreter")
		case p.Role == RoleStudent && p.PersonID != studentID:
			return domain.Invalid(field+".person_id", "the participant in role student must be the talk's student")
		case p.Role != RoleStudent && p.PersonID == studentID:
			return domain.Invalid(field+".role", "the talk's student takes part in role student")
		case p.Role == RoleInterpreter && b.InterpreterLanguage == "":
			return domain.Invalid("interpreter_language", "is required when an interpreter takes part")
		}
	}
	return nil
}

// checkRelations verifies named guardians and mentors against roster facts.
// A guardian with restricted access is not invited: the talk shows the
// record that is kept from them.
func checkRelations(b Booking, f Facts) error {
	for i, p := range b.Participants {
		switch p.Role {
		case RoleGuardian:
			g := f.Guardians[p.PersonID]
			if !g.Active {
				return domain.RuleViolated("participants[%d] is not an active guardian of the student", i)
			}
			if g.Restricted {
				return domain.RuleViolated("participants[%d] has restricted access to the student and cannot be invited", i)
			}
		case RoleMentor:
			if !f.Mentors[p.PersonID] {
				return domain.RuleViolated("participants[%d] is not a mentor of the student", i)
			}
		}
	}
	return nil
}

func sameBooking(s State, b Booking) bool {
	return s.At.Equal(b.At) && s.Place == b.Place && slices.Equal(s.Participants, b.Participants) &&
		s.InterpreterLanguage == b.InterpreterLanguage
}

func decideSchedule(s State, c Schedule) ([]domain.Event, error) {
	if err := firstError(domain.CheckID("student_id", c.StudentID), c.Term.Check("term"), checkBooking(c.StudentID, c.Booking)); err != nil {
		return nil, err
	}
	if err := firstError(staff(c.Meta, c.Facts), studentKnown(c.Facts)); err != nil {
		return nil, err
	}
	c.At = c.At.UTC()
	if s.Exists {
		if s.StudentID == c.StudentID && s.Term == c.Term && sameBooking(s, c.Booking) {
			return nil, nil
		}
		return nil, domain.Conflict("conference id %q is already used: reschedule it or choose a new id", c.ConferenceID)
	}
	if !c.Facts.TermExists {
		return nil, domain.NotFound("the school year has no such term")
	}
	if err := checkRelations(c.Booking, c.Facts); err != nil {
		return nil, err
	}
	return []domain.Event{Scheduled{
		ConferenceID: c.ConferenceID, StudentID: c.StudentID, Term: c.Term, At: c.At, Place: c.Place,
		Participants: slices.Clone(c.Participants), InterpreterLanguage: c.InterpreterLanguage, OnBehalfOf: c.Actor.OnBehalfOf,
	}}, nil
}

func decideReschedule(s State, c Reschedule) ([]domain.Event, error) {
	if err := firstError(staff(c.Meta, c.Facts), existing(s), open(s)); err != nil {
		return nil, err
	}
	if err := checkBooking(s.StudentID, c.Booking); err != nil {
		return nil, err
	}
	c.At = c.At.UTC()
	if sameBooking(s, c.Booking) {
		return nil, nil
	}
	if err := checkRelations(c.Booking, c.Facts); err != nil {
		return nil, err
	}
	return []domain.Event{Rescheduled{
		ConferenceID: c.ConferenceID, StudentID: s.StudentID, At: c.At, Place: c.Place,
		Participants: slices.Clone(c.Participants), InterpreterLanguage: c.InterpreterLanguage, OnBehalfOf: c.Actor.OnBehalfOf,
	}}, nil
}

func decideCancel(s State, c Cancel) ([]domain.Event, error) {
	if err := checkText("reason", c.Reason, MaxReason, true); err != nil {
		return nil, err
	}
	if err := firstError(staff(c.Meta, c.Facts), existing(s)); err != nil {
		return nil, err
	}
	if s.Cancelled {
		return nil, nil
	}
	if err := open(s); err != nil {
		return nil, err
	}
	return []domain.Event{Cancelled{ConferenceID: c.ConferenceID, StudentID: s.StudentID, Reason: c.Reason, OnBehalfOf: c.Actor.OnBehalfOf}}, nil
}

func decideAcknowledge(s State, c Acknowledge) ([]domain.Event, error) {
	if c.Actor.Role != domain.RoleGuardian {
		return nil, domain.Forbidden("only a guardian acknowledges a talk's record")
	}
	g := c.Facts.Guardians[c.Actor.ID]
	switch {
	case !g.Active:
		return nil, domain.Forbidden("only a guardian of the student may acknowledge this talk")
	case g.Restricted:
		return nil, domain.Forbidden("your access to this student is restricted: ask the school")
	}
	if err := existing(s); err != nil {
		return nil, err
	}
	if !s.Held {
		return nil, domain.RuleViolated("the talk has not been held yet")
	}
	if s.HasAcknowledged(c.Actor.ID) {
		return nil, nil
	}
	return []domain.Event{Acknowledged{ConferenceID: c.ConferenceID, StudentID: s.StudentID, GuardianID: c.Actor.ID}}, nil
}
