package conference

import (
	"time"

	"github.com/iup-platform/iup/domain"
)

// Participant is someone invited to the talk, by id, with the role they come in.
type Participant struct {
	PersonID string `json:"person_id"`
	Role     Role   `json:"role"`
}

// RecordedEntry is a written-assessment entry stream of the student's term
// and the exact version it had when the talk was held.
type RecordedEntry struct {
	RoundID  string         `json:"round_id"`
	CourseID string         `json:"course_id"`
	Stream   string         `json:"stream"`
	Version  domain.Version `json:"version"`
}

// Scheduled: a talk was booked for a student and term.
type Scheduled struct {
	ConferenceID        string         `json:"conference_id"`
	StudentID           string         `json:"student_id"`
	Term                domain.TermRef `json:"term"`
	At                  time.Time      `json:"at"`
	Place               string         `json:"place" personal:"true"`
	Participants        []Participant  `json:"participants"`
	InterpreterLanguage string         `json:"interpreter_language,omitempty"`
	OnBehalfOf          string         `json:"on_behalf_of,omitempty"`
}

// Rescheduled: time, place, participants or interpreter changed.
type Rescheduled struct {
	ConferenceID        string        `json:"conference_id"`
	StudentID           string        `json:"student_id"`
	At                  time.Time     `json:"at"`
	Place               string        `json:"place" personal:"true"`
	Participants        []Participant `json:"participants"`
	InterpreterLanguage string        `json:"interpreter_language,omitempty"`
	OnBehalfOf          string        `json:"on_behalf_of,omitempty"`
}

// Cancelled: the talk will not take place.
type Cancelled struct {
	ConferenceID string `json:"conference_id"`
	StudentID    string `json:"student_id"`
	Reason       string `json:"reason" personal:"true"`
	OnBehalfOf   string `json:"on_behalf_of,omitempty"`
}

// Held: the talk took place; the record is frozen. PlanVersion and Entries
// pin the plan and the written assessments exactly as they stood, so the
// record can be rebuilt years later (domain.NoStream: no plan yet).
type Held struct {
	ConferenceID string          `json:"conference_id"`
	StudentID    string          `json:"student_id"`
	Term         domain.TermRef  `json:"term"`
	HeldAt       time.Time       `json:"held_at"`
	Attendees    []string        `json:"attendees"`
	Notes        string          `json:"notes,omitempty" personal:"true"`
	Agreements   []string        `json:"agreements,omitempty" personal:"true"`
	PlanStream   string          `json:"plan_stream"`
	PlanVersion  domain.Version  `json:"plan_version"`
	Entries      []RecordedEntry `json:"entries"`
}

// ActionProgrammeConsidered: the talk found that an action programme
// (åtgärdsprogram, Skollagen 3 kap. 9 §) is to be considered. It is a support
// matter: views hide it from the student and the guardians unless ShowToHome,
// the organiser's setting when it was recorded, says otherwise.
type ActionProgrammeConsidered struct {
	ConferenceID  string `json:"conference_id"`
	StudentID     string `json:"student_id"`
	Note          string `json:"note,omitempty" personal:"true"`
	SupportMatter bool   `json:"support_matter"`
	ShowToHome    bool   `json:"show_to_home"`
}

// Acknowledged: a guardian confirmed they have taken part of the record.
type Acknowledged struct {
	ConferenceID string `json:"conference_id"`
	StudentID    string `json:"student_id"`
	GuardianID   string `json:"guardian_id"`
}

// EventType implements domain.Event.
func (Scheduled) EventType() string { return "conference.scheduled" }

// EventType implements domain.Event.
func (Rescheduled) EventType() string { return "conference.rescheduled" }

// EventType implements domain.Event.
func (Cancelled) EventType() string { return "conference.cancelled" }

// EventType implements domain.Event.
func (Held) EventType() string { return "conference.held" }

// EventType implements domain.Event.
func (ActionProgrammeConsidered) EventType() string {
	return "conference.action-programme-considered"
}

// EventType implements domain.Event.
func (Acknowledged) EventType() string { return "conference.acknowledged" }

// DataSubject implements domain.DataSubject: the place can reveal a home.
func (e Scheduled) DataSubject() string { return e.StudentID }

// DataSubject implements domain.DataSubject.
func (e Rescheduled) DataSubject() string { return e.StudentID }

// DataSubject implements domain.DataSubject.
func (e Cancelled) DataSubject() string { return e.StudentID }

// DataSubject implements domain.DataSubject: notes and agreements are about the student.
func (e Held) DataSubject() string { return e.StudentID }

// DataSubject implements domain.DataSubject.
func (e ActionProgrammeConsidered) DataSubject() string { return e.StudentID }

func init() {
	domain.Register[Scheduled](domain.Events, 1)
	domain.Register[Rescheduled](domain.Events, 1)
	domain.Register[Cancelled](domain.Events, 1)
	domain.Register[Held](domain.Events, 1)
	domain.Register[ActionProgrammeConsidered](domain.Events, 1)
	domain.Register[Acknowledged](domain.Events, 1)
}
