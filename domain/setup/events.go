package setup

import "github.com/iup-platform/iup/domain"

// Setup holds no personal content: names of schools, subjects, scales and
// templates describe the organisation, not a person, so no field here is
// tagged personal and no event names a data subject.

// TimeZoneSet: the organiser chose the time zone its calendar dates are in.
type TimeZoneSet struct {
	TimeZone string `json:"time_zone"`
}

// SupportVisibilitySet: the organiser chose whether support matters
// (åtgärdsprogram notes) are shown to students and guardians.
type SupportVisibilitySet struct {
	ShowSupportToHome bool `json:"show_support_to_home"`
}

// SubjectDefined: a subject code was added, or its name changed.
type SubjectDefined struct {
	Code string `json:"code"`
	Name string `json:"name"`
}

// SubjectRemoved: a subject code is no longer offered for new courses.
type SubjectRemoved struct {
	Code string `json:"code"`
}

// SchoolYearIndexed: the organiser's index of school years recorded a school
// year's terms (on creation and on every date change), so overlaps between
// school years of one scope are checked against one stream.
type SchoolYearIndexed struct {
	SchoolYearID string `json:"school_year_id"`
	SchoolID     string `json:"school_id,omitempty"` // "" = organiser-wide
	Terms        []Term `json:"terms"`
}

// SchoolYearCreated: an organiser admin created a school year (läsår) with
// its HT and VT terms.
type SchoolYearCreated struct {
	SchoolYearID string `json:"school_year_id"`
	SchoolID     string `json:"school_id,omitempty"` // "" = organiser-wide
	Terms        []Term `json:"terms"`
}

// TermDatesChanged: the start or end date of one term was moved.
type TermDatesChanged struct {
	SchoolYearID string          `json:"school_year_id"`
	Kind         domain.TermKind `json:"kind"`
	Start        domain.Date     `json:"start"`
	End          domain.Date     `json:"end"`
}

// ScaleCreated: an organiser admin created an assessment scale. A scale is
// never changed afterwards; a different scale is a new one.
type ScaleCreated struct {
	ScaleID      string `json:"scale_id"`
	Name         string `json:"name"`
	Steps        []Step `json:"steps,omitempty"`
	FreeTextOnly bool   `json:"free_text_only"`
}

// TemplateVersionCreated: a template got a new version (version 1 creates
// it). Earlier versions stay as they were.
type TemplateVersionCreated struct {
	TemplateID string  `json:"template_id"`
	Version    int     `json:"version"`
	Title      string  `json:"title"`
	SchoolID   string  `json:"school_id,omitempty"` // "" = organiser-wide
	Fields     []Field `json:"fields"`
}

// SchoolRegistered: a school was added to the organiser.
type SchoolRegistered struct {
	SchoolID    string   `json:"school_id"`
	Name        string   `json:"name"`
	SchoolForms []string `json:"school_forms"`
}

// SchoolChanged: a school's name or school forms changed.
type SchoolChanged struct {
	SchoolID    string   `json:"school_id"`
	Name        string   `json:"name"`
	SchoolForms []string `json:"school_forms"`
}

// EventType implements domain.Event.
func (TimeZoneSet) EventType() string { return "setup.time-zone-set" }

// EventType implements domain.Event.
func (SupportVisibilitySet) EventType() string { return "setup.support-visibility-set" }

// EventType implements domain.Event.
func (SubjectDefined) EventType() string { return "setup.subject-defined" }

// EventType implements domain.Event.
func (SubjectRemoved) EventType() string { return "setup.subject-removed" }

// EventType implements domain.Event.
func (SchoolYearIndexed) EventType() string { return "setup.school-year-indexed" }

// EventType implements domain.Event.
func (SchoolYearCreated) EventType() string { return "setup.school-year-created" }

// EventType implements domain.Event.
func (TermDatesChanged) EventType() string { return "setup.term-dates-changed" }

// EventType implements domain.Event.
func (ScaleCreated) EventType() string { return "setup.scale-created" }

// EventType implements domain.Event.
func (TemplateVersionCreated) EventType() string { return "setup.template-version-created" }

// EventType implements domain.Event.
func (SchoolRegistered) EventType() string { return "setup.school-registered" }

// EventType implements domain.Event.
func (SchoolChanged) EventType() string { return "setup.school-changed" }

func init() {
	domain.Register[TimeZoneSet](domain.Events, 1)
	domain.Register[SupportVisibilitySet](domain.Events, 1)
	domain.Register[SubjectDefined](domain.Events, 1)
	domain.Register[SubjectRemoved](domain.Events, 1)
	domain.Register[SchoolYearIndexed](domain.Events, 1)
	domain.Register[SchoolYearCreated](domain.Events, 1)
	domain.Register[TermDatesChanged](domain.Events, 1)
	domain.Register[ScaleCreated](domain.Events, 1)
	domain.Register[TemplateVersionCreated](domain.Events, 1)
	domain.Register[SchoolRegistered](domain.Events, 1)
	domain.Register[SchoolChanged](domain.Events, 1)
}
