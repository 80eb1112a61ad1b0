package setup

import "github.com/iup-platform/iup/domain"

// FactRead is a stream a fact was read from and the version it was read at,
// so a decision can be audited later.
type FactRead struct {
	Stream  string
	Version domain.Version
}

// OrganiserCommand is a command on the organiser stream.
type OrganiserCommand interface {
	domain.Command
	organiserCommand()
}

// SetTimeZone sets the organiser's time zone (an IANA name).
type SetTimeZone struct {
	domain.Meta
	TimeZone string
}

// SetSupportVisibility chooses whether support matters are shown to
// students and guardians.
type SetSupportVisibility struct {
	domain.Meta
	ShowSupportToHome bool
}

// DefineSubject adds a subject code or renames it.
type DefineSubject struct {
	domain.Meta
	Code, Name string
}

// RemoveSubject withdraws a subject code from new courses.
type RemoveSubject struct {
	domain.Meta
	Code string
}

// IndexSchoolYear records a school year's terms in the organiser's index,
// refusing terms that overlap another school year of the same scope. The
// school-year handlers issue it before writing the school year itself, so
// two overlapping years can never both be recorded.
type IndexSchoolYear struct {
	domain.Meta
	SchoolYearID string
	SchoolID     string
	Terms        []Term
}

func (SetTimeZone) organiserCommand()          {}
func (SetSupportVisibility) organiserCommand() {}
func (DefineSubject) organiserCommand()        {}
func (RemoveSubject) organiserCommand()        {}
func (IndexSchoolYear) organiserCommand()      {}

// SchoolYearFacts are what a school-year decision needs from other streams.
type SchoolYearFacts struct {
	// Others are the other school years of the same scope, from the index.
	Others []IndexedSchoolYear
	// SchoolExists: the school named by SchoolID exists (true when none is named).
	SchoolExists bool
	Read         []FactRead
}

// SchoolYearCommand is a command on a school-year stream.
type SchoolYearCommand interface {
	domain.Command
	schoolYearID() string
	withFacts(SchoolYearFacts) SchoolYearCommand
}

// CreateSchoolYear creates a school year with its HT and VT terms.
// SchoolID is empty for an organiser-wide school year.
type CreateSchoolYear struct {
	domain.Meta
	SchoolYearID string
	SchoolID     string
	HT, VT       Term
	Facts        SchoolYearFacts // loaded by the handler
}

// ChangeTermDates moves one term's start and end dates.
type ChangeTermDates struct {
	domain.Meta
	SchoolYearID string
	Kind         domain.TermKind
	Start, End   domain.Date
	Facts        SchoolYearFacts // loaded by the handler
}

func (c CreateSchoolYear) schoolYearID() string { return c.SchoolYearID }
func (c ChangeTermDates) schoolYearID() string  { return c.SchoolYearID }

func (c CreateSchoolYear) withFacts(f SchoolYearFacts) SchoolYearCommand { c.Facts = f; return c }
func (c ChangeTermDates) withFacts(f SchoolYearFacts) SchoolYearCommand  { c.Facts = f; return c }

// CreateScale creates a scale: 2, 3 or 6 ordered steps, or free text only.
type CreateScale struct {
	domain.Meta
	ScaleID      string
	Name         string
	Steps        []Step
	FreeTextOnly bool
}

// TemplateFacts are what a template decision needs from other streams.
type TemplateFacts struct {
	// SchoolExists: the school the template is scoped to exists (true when
	// it is organiser-wide).
	SchoolExists bool
	// PrincipalOfSchool: the actor is principal of the template's school
	// today (and, for a change, of the school it was scoped to before).
	PrincipalOfSchool bool
	Read              []FactRead
}

// TemplateCommand is a command on a template stream.
type TemplateCommand interface {
	domain.Command
	templateID() string
	scope() string
	withFacts(TemplateFacts) TemplateCommand
}

// CreateTemplate creates version 1 of a template.
type CreateTemplate struct {
	domain.Meta
	TemplateID string
	Title      string
	SchoolID   string // "" = organiser-wide
	Fields     []Field
	Facts      TemplateFacts // loaded by the handler
}

// ChangeTemplate makes a new version of a template; earlier versions stay.
type ChangeTemplate struct {
	domain.Meta
	TemplateID string
	Title      string
	SchoolID   string
	Fields     []Field
	Facts      TemplateFacts // loaded by the handler
}

func (c CreateTemplate) templateID() string { return c.TemplateID }
func (c ChangeTemplate) templateID() string { return c.TemplateID }
func (c CreateTemplate) scope() string      { return c.SchoolID }
func (c ChangeTemplate) scope() string      { return c.SchoolID }

func (c CreateTemplate) withFacts(f TemplateFacts) TemplateCommand { c.Facts = f; return c }
func (c ChangeTemplate) withFacts(f TemplateFacts) TemplateCommand { c.Facts = f; return c }

// SchoolCommand is a command on a school stream.
type SchoolCommand interface {
	domain.Command
	schoolID() string
}

// RegisterSchool adds a school with its school forms.
type RegisterSchool struct {
	domain.Meta
	SchoolID    string
	Name        string
	SchoolForms []string
}

// ChangeSchool renames a school or changes its school forms.
type ChangeSchool struct {
	domain.Meta
	SchoolID    string
	Name        string
	SchoolForms []string
}

func (c RegisterSchool) schoolID() string { return c.SchoolID }
func (c ChangeSchool) schoolID() string   { return c.SchoolID }
