package conference

import (
	"slices"
	"time"

	"github.com/iup-platform/iup/domain"
)

// Role is the role a participant comes to the talk in.
type Role string

// Participant roles. Others (student health, a special-needs teacher)
// come as RoleStudentHealth or RoleOther.
const (
	RoleStudent       Role = "student"
	RoleGuardian      Role = "guardian"
	RoleMentor        Role = "mentor"
	RoleTeacher       Role = "teacher"
	RolePrincipal     Role = "principal"
	RoleStudentHealth Role = "student-health" // elevhälsan
	RoleInterpreter   Role = "interpreter"    // tolk
	RoleOther         Role = "other"
)

// Valid reports whether r is a known participant role.
func (r Role) Valid() bool {
	switch r {
	case RoleStudent, RoleGuardian, RoleMentor, RoleTeacher, RolePrincipal, RoleStudentHealth, RoleInterpreter, RoleOther:
		return true
	}
	return false
}

// State is a conference folded from its stream.
type State struct {
	Exists              bool
	ConferenceID        string
	StudentID           string
	Term                domain.TermRef
	At                  time.Time
	Place               string
	Participants        []Participant
	InterpreterLanguage string
	Cancelled           bool
	Held                bool
	Record              Held
	ActionProgramme     *ActionProgrammeConsidered
	Acknowledged        []string // guardian ids, in order
}

// HasAcknowledged reports whether the guardian has acknowledged the record.
func (s State) HasAcknowledged(guardianID string) bool {
	return slices.Contains(s.Acknowledged, guardianID)
}

func evolve(s State, ev domain.Event) State {
	switch e := ev.(type) {
	case Scheduled:
		s.Exists, s.ConferenceID, s.StudentID, s.Term = true, e.ConferenceID, e.StudentID, e.Term
		s.At, s.Place, s.Participants, s.InterpreterLanguage = e.At, e.Place, e.Participants, e.InterpreterLanguage
	case Rescheduled:
		s.At, s.Place, s.Participants, s.InterpreterLanguage = e.At, e.Place, e.Participants, e.InterpreterLanguage
	case Cancelled:
		s.Cancelled = true
	case Held:
		s.Held, s.Record = true, e
	case ActionProgrammeConsidered:
		s.ActionProgramme = &e
	case Acknowledged:
		s.Acknowledged = append(slices.Clone(s.Acknowledged), e.GuardianID)
	}
	return s
}
