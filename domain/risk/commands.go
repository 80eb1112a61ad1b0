package risk

import "github.com/iup-platform/iup/domain"

// Limits on text input, in characters.
const (
	MaxNote   = 2000
	MaxReason = 1000
)

// FactRead is a stream a fact was read from and the version it was read at.
type FactRead struct {
	Stream  string
	Version domain.Version
}

// Facts are what a decision needs from setup and roster, loaded by the
// handler. Relations are evaluated on Day (today in the organiser's zone)
// for the actor and, when an admin acts for someone, that person.
type Facts struct {
	Day           domain.Date
	StudentExists bool
	Grade         int
	// Mentoring lists those of the actor and the person acted for who are
	// the student's mentor on Day.
	Mentoring []string
	// The named course, when there is one.
	CourseExists  bool
	CourseSubject string
	// Teaching lists those of the actor and the person acted for who teach
	// the named course on Day.
	Teaching        []string
	StudentEnrolled bool // in the named course on Day
	TermExists      bool
	Read            []FactRead
}

// Command is a command on a risk-signal stream.
type Command interface {
	domain.Command
	target() (studentID, subject, courseID string)
	withFacts(Facts) Command
}

// Signal marks the student at risk in the subject. A teacher names the
// course in that subject through which they teach the student; a mentor
// needs no course.
type Signal struct {
	domain.Meta
	StudentID string
	Subject   string
	CourseID  string
	Term      domain.TermRef
	Note      string
	Facts     Facts
}

// Withdraw removes the signal; the reason is required.
type Withdraw struct {
	domain.Meta
	StudentID string
	Subject   string
	CourseID  string
	Reason    string
	Facts     Facts
}

func (c Signal) target() (string, string, string)   { return c.StudentID, c.Subject, c.CourseID }
func (c Withdraw) target() (string, string, string) { return c.StudentID, c.Subject, c.CourseID }

func (c Signal) withFacts(f Facts) Command   { c.Facts = f; return c }
func (c Withdraw) withFacts(f Facts) Command { c.Facts = f; return c }
