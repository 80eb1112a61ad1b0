package conference

import (
	"time"

	"github.com/iup-platform/iup/domain"
)

// Limits on input.
const (
	MaxPlace           = 200
	MaxParticipants    = 30
	MaxNotes           = 20000
	MaxAgreement       = 2000
	MaxAgreements      = 50
	MaxActionNote      = 10000
	MaxReason          = 1000
	maxLanguageTagSize = 35
)

// FactRead is a stream a fact was read from and the version it was read at,
// so a decision can be audited later.
type FactRead struct {
	Stream  string
	Version domain.Version
}

// GuardianAccess is one guardian's custody of the student on the day.
type GuardianAccess struct {
	Active, Restricted bool
}

// Facts are what a decision needs from roster and setup, loaded by the
// handler. Relations are evaluated on Day, today in the organiser's zone.
type Facts struct {
	Day           domain.Date
	StudentExists bool
	// Mentor: the actor is a mentor of the student on Day.
	Mentor bool
	// Guardians holds the access of every guardian the command names and of
	// the acting guardian; a guardian missing here is not the student's.
	Guardians map[string]GuardianAccess
	// Mentors: which of the named mentor participants mentor the student.
	Mentors map[string]bool
	// TermExists: the school year has the conference's term.
	TermExists bool
	// ShowSupportToHome is the organiser's setting for support matters.
	ShowSupportToHome bool
	Read              []FactRead
}

// Snapshot is the state of the student's term when the talk is held: the
// plan's stream version (domain.NoStream when there is none) and each
// written-assessment entry's version, read from the event store.
type Snapshot struct {
	PlanStream  string
	PlanVersion domain.Version
	Entries     []RecordedEntry
}

// Command is a command on one conference stream.
type Command interface {
	domain.Command
	conferenceID() string
	withFacts(Facts) Command
}

// Booking is what a schedule and a reschedule say about the talk.
type Booking struct {
	At                  time.Time // instant, UTC
	Place               string
	Participants        []Participant
	InterpreterLanguage string // BCP 47 tag, e.g. "ar" or "so"; "" when none is needed
}

// Schedule books a talk with a client-chosen id.
type Schedule struct {
	domain.Meta
	ConferenceID string
	StudentID    string
	Term         domain.TermRef
	Booking
	Facts Facts
}

// Reschedule changes the booking of a talk not yet held.
type Reschedule struct {
	domain.Meta
	ConferenceID string
	Booking
	Facts Facts
}

// Cancel calls off a talk not yet held.
type Cancel struct {
	domain.Meta
	ConferenceID string
	Reason       string
	Facts        Facts
}

// Hold records the talk as held, freezing it. ActionProgramme records that
// an action programme is to be considered, with ActionNote.
type Hold struct {
	domain.Meta
	ConferenceID    string
	Attendees       []string
	Notes           string
	Agreements      []string
	ActionProgramme bool
	ActionNote      string
	Snapshot        Snapshot // loaded by the handler
	Facts           Facts
}

// Acknowledge is a guardian confirming the record of a held talk.
type Acknowledge struct {
	domain.Meta
	ConferenceID string
	Facts        Facts
}

func (c Schedule) conferenceID() string    { return c.ConferenceID }
func (c Reschedule) conferenceID() string  { return c.ConferenceID }
func (c Cancel) conferenceID() string      { return c.ConferenceID }
func (c Hold) conferenceID() string        { return c.ConferenceID }
func (c Acknowledge) conferenceID() string { return c.ConferenceID }

func (c Schedule) withFacts(f Facts) Command    { c.Facts = f; return c }
func (c Reschedule) withFacts(f Facts) Command  { c.Facts = f; return c }
func (c Cancel) withFacts(f Facts) Command      { c.Facts = f; return c }
func (c Hold) withFacts(f Facts) Command        { c.Facts = f; return c }
func (c Acknowledge) withFacts(f Facts) Command { c.Facts = f; return c }
