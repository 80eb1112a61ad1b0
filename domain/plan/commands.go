package plan

import "github.com/iup-platform/iup/domain"

// Limits on input.
const (
	MaxTitle       = 200
	MaxFieldText   = 20000
	MaxGoalText    = 2000
	MaxComment     = 10000
	MaxReason      = 1000
	MaxAgreement   = 2000
	MaxAgreements  = 50
	MaxFileName    = 255
	MaxLegacySize  = 20 << 20 // 20 MiB
	MaxBulkPlans   = 500
	sha256HexChars = 64
)

// FactRead is a stream a fact was read from and the version it was read at,
// so a decision can be audited later.
type FactRead struct {
	Stream  string
	Version domain.Version
}

// Facts are what a decision needs about the student and the actor's relation
// to them, loaded by the handler from roster and setup. Relations are
// evaluated on Day, today in the organiser's time zone.
type Facts struct {
	Day             domain.Date
	StudentExists   bool
	StudentSchoolID string
	// Mentor: the actor is a mentor of the student on Day.
	Mentor bool
	// GuardianActive and GuardianRestricted describe the actor's custody of
	// the student; a restricted guardian (secrecy towards one guardian) may
	// not do what the other guardian may.
	GuardianActive, GuardianRestricted bool
	// Teaches and Enrolled: the actor teaches the command's course and the
	// student is enrolled in it on Day.
	Teaches, Enrolled bool
	Read              []FactRead
}

// TemplateFacts are the current version of the template a new plan is made
// from, and whether the school year has the plan's term.
type TemplateFacts struct {
	Exists     bool
	Version    int
	SchoolID   string // "" for a template of the whole organiser
	Fields     []FieldDef
	TermExists bool
	Read       []FactRead
}

// Command is a command on one plan stream.
type Command interface {
	domain.Command
	target() (studentID string, term domain.TermRef)
	withFacts(Facts) Command
}

// Target names a plan: the student and the term.
type Target struct {
	StudentID string
	Term      domain.TermRef
}

func (t Target) target() (string, domain.TermRef) { return t.StudentID, t.Term }

// Create makes a student's plan for a term from the current version of a
// template. On an existing plan it decides nothing.
type Create struct {
	domain.Meta
	Target
	TemplateID string
	Title      string
	Start, End domain.Date
	Template   TemplateFacts // loaded by the handler
	Facts      Facts         // loaded by the handler
}

// SetField writes the text of one field. A teacher names the course they
// teach the student in. Reason is required only to correct an archived plan.
type SetField struct {
	domain.Meta
	Target
	Key      string
	Text     string
	CourseID string
	Reason   string
	Facts    Facts
}

// AddGoal adds a goal with a client-chosen id.
type AddGoal struct {
	domain.Meta
	Target
	GoalID   string
	Text     string
	Owner    Owner
	FollowUp domain.Date
	Reason   string
	Facts    Facts
}

// EditGoal changes a goal that has not been evaluated.
type EditGoal struct {
	domain.Meta
	Target
	GoalID   string
	Text     string
	Owner    Owner
	FollowUp domain.Date
	Reason   string
	Facts    Facts
}

// EvaluateGoal records how a goal went; it can be re-evaluated.
type EvaluateGoal struct {
	domain.Meta
	Target
	GoalID  string
	Outcome Outcome
	Comment string
	Reason  string
	Facts   Facts
}

// RecordAgreements documents a conference's agreements in the plan.
type RecordAgreements struct {
	domain.Meta
	Target
	ConferenceID string
	Agreements   []string
	Reason       string
	Facts        Facts
}

// Publish makes the plan visible to student, guardians and teachers.
type Publish struct {
	domain.Meta
	Target
	Facts Facts
}

// Unpublish hides the plan again.
type Unpublish struct {
	domain.Meta
	Target
	Facts Facts
}

// Archive closes the plan.
type Archive struct {
	domain.Meta
	Target
	Facts Facts
}

// AttachLegacyDocument references an uploaded old plan (PDF or Word).
type AttachLegacyDocument struct {
	domain.Meta
	Target
	DocumentID string
	FileName   string
	MediaType  string
	Size       int64
	SHA256     string
	Reason     string
	Facts      Facts
}

func (c Create) withFacts(f Facts) Command               { c.Facts = f; return c }
func (c SetField) withFacts(f Facts) Command             { c.Facts = f; return c }
func (c AddGoal) withFacts(f Facts) Command              { c.Facts = f; return c }
func (c EditGoal) withFacts(f Facts) Command             { c.Facts = f; return c }
func (c EvaluateGoal) withFacts(f Facts) Command         { c.Facts = f; return c }
func (c RecordAgreements) withFacts(f Facts) Command     { c.Facts = f; return c }
func (c Publish) withFacts(f Facts) Command              { c.Facts = f; return c }
func (c Unpublish) withFacts(f Facts) Command            { c.Facts = f; return c }
func (c Archive) withFacts(f Facts) Command              { c.Facts = f; return c }
func (c AttachLegacyDocument) withFacts(f Facts) Command { c.Facts = f; return c }
