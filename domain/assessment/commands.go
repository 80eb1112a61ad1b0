package assessment

import (
	"time"

	"github.com/iup-platform/iup/domain"
)

// Limits on text input.
const (
	MaxTitle   = 200
	MaxComment = 10000
	MaxReason  = 1000
)

// FactRead is a stream a fact was read from and the version it was read at,
// so a decision can be audited later.
type FactRead struct {
	Stream  string
	Version domain.Version
}

// Facts are what a decision needs from setup and roster, loaded by the
// handler from their streams. Relations are evaluated on Day: today in the
// organiser's time zone, clamped into the round's term, so an amendment after
// the term checks who taught and who was enrolled at its end.
type Facts struct {
	Day          domain.Date
	CourseExists bool
	// CoversTerm: the course is taught in the round's term.
	CoversTerm bool
	// Teaching lists those of the actor and the person acted for who teach
	// the course on Day.
	Teaching []string
	// StudentEnrolled: the entry's student is enrolled in the course on Day.
	StudentEnrolled bool
	// TermExists: the school year has the round's term.
	TermExists bool
	// TermEnded: the round's term is over in the organiser's zone at Now.
	TermEnded bool
	Read      []FactRead
}

// ScaleFacts is the scale a new round uses, as loaded from setup.
type ScaleFacts struct {
	Exists       bool
	Steps        []ScaleStep
	FreeTextOnly bool
}

// RoundCommand is a command on a round stream.
type RoundCommand interface {
	domain.Command
	roundID() string
	withFacts(Facts) RoundCommand
}

// CreateRound opens a round for a course and a term.
type CreateRound struct {
	domain.Meta
	RoundID        string
	CourseID       string
	Term           domain.TermRef
	Title          string
	ScaleID        string
	SelfAssessment bool
	Scale          ScaleFacts // loaded by the handler
	Facts          Facts      // loaded by the handler
}

// PublishRound makes the round visible at At (UTC); zero means now.
type PublishRound struct {
	domain.Meta
	RoundID string
	At      time.Time
	Facts   Facts
}

// UnpublishRound hides the round again.
type UnpublishRound struct {
	domain.Meta
	RoundID string
	Facts   Facts
}

// SetSelfAssessment turns students' self-assessment on or off.
type SetSelfAssessment struct {
	domain.Meta
	RoundID string
	Allowed bool
	Facts   Facts
}

func (c CreateRound) roundID() string       { return c.RoundID }
func (c PublishRound) roundID() string      { return c.RoundID }
func (c UnpublishRound) roundID() string    { return c.RoundID }
func (c SetSelfAssessment) roundID() string { return c.RoundID }

func (c CreateRound) withFacts(f Facts) RoundCommand       { c.Facts = f; return c }
func (c PublishRound) withFacts(f Facts) RoundCommand      { c.Facts = f; return c }
func (c UnpublishRound) withFacts(f Facts) RoundCommand    { c.Facts = f; return c }
func (c SetSelfAssessment) withFacts(f Facts) RoundCommand { c.Facts = f; return c }

// EntryFacts are an entry command's facts: the round (from its stream) and
// the facts from setup and roster.
type EntryFacts struct {
	Round        RoundState
	RoundVersion domain.Version
	Facts
}

// EntryCommand is a command on one student's entry stream.
type EntryCommand interface {
	domain.Command
	target() (roundID, studentID string)
	withFacts(EntryFacts) EntryCommand
	facts() EntryFacts
}

// SetLevel sets a student's level; "" clears it. Reason is required after
// the round's term has ended, and then the change is an amendment.
type SetLevel struct {
	domain.Meta
	RoundID, StudentID string
	Level              string
	Reason             string
	Facts              EntryFacts
}

// SetComment sets a student's comment (autosaved on its own).
type SetComment struct {
	domain.Meta
	RoundID, StudentID string
	Comment            string
	Reason             string
	Facts              EntryFacts
}

// SetSelfLevel is the student's own rating on the round's scale.
type SetSelfLevel struct {
	domain.Meta
	RoundID, StudentID string
	Level              string
	Reason             string
	Facts              EntryFacts
}

// SetSelfComment is the student's own comment.
type SetSelfComment struct {
	domain.Meta
	RoundID, StudentID string
	Comment            string
	Reason             string
	Facts              EntryFacts
}

// WithdrawEntry withdraws the teacher's level and comment written for the
// wrong student; the reason is required.
type WithdrawEntry struct {
	domain.Meta
	RoundID, StudentID string
	Reason             string
	Facts              EntryFacts
}

func (c SetLevel) target() (string, string)       { return c.RoundID, c.StudentID }
func (c SetComment) target() (string, string)     { return c.RoundID, c.StudentID }
func (c SetSelfLevel) target() (string, string)   { return c.RoundID, c.StudentID }
func (c SetSelfComment) target() (string, string) { return c.RoundID, c.StudentID }
func (c WithdrawEntry) target() (string, string)  { return c.RoundID, c.StudentID }

func (c SetLevel) withFacts(f EntryFacts) EntryCommand       { c.Facts = f; return c }
func (c SetComment) withFacts(f EntryFacts) EntryCommand     { c.Facts = f; return c }
func (c SetSelfLevel) withFacts(f EntryFacts) EntryCommand   { c.Facts = f; return c }
func (c SetSelfComment) withFacts(f EntryFacts) EntryCommand { c.Facts = f; return c }
func (c WithdrawEntry) withFacts(f EntryFacts) EntryCommand  { c.Facts = f; return c }

func (c SetLevel) facts() EntryFacts       { return c.Facts }
func (c SetComment) facts() EntryFacts     { return c.Facts }
func (c SetSelfLevel) facts() EntryFacts   { return c.Facts }
func (c SetSelfComment) facts() EntryFacts { return c.Facts }
func (c WithdrawEntry) facts() EntryFacts  { return c.Facts }
