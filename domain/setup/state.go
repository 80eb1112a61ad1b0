package setup

import (
	"maps"
	"slices"
	"time"

	"github.com/iup-platform/iup/domain"
)

// Organiser is the folded organiser stream: its settings, subject codes and
// the index of its school years.
type Organiser struct {
	// TimeZone is the zone calendar dates are in; "" means the default.
	TimeZone          string
	ShowSupportToHome bool
	Subjects          map[string]string // code -> name
	// SchoolYears indexes every school year by id with its current terms.
	SchoolYears map[string]IndexedSchoolYear
}

// IndexedSchoolYear is a school year as the organiser's index knows it.
type IndexedSchoolYear struct {
	ID, SchoolID string
	Terms        []Term
}

// Location is the organiser's time zone, Europe/Stockholm unless set. A zone
// that no longer loads falls back to the default rather than to UTC, since
// the dates were entered in Swedish time.
func (o Organiser) Location() *time.Location {
	if loc, err := domain.Location(o.TimeZone); err == nil {
		return loc
	}
	if loc, err := domain.Location(""); err == nil {
		return loc
	}
	return time.UTC
}

// HasSubject reports whether code is one of the organiser's subject codes.
func (o Organiser) HasSubject(code string) bool { _, ok := o.Subjects[code]; return ok }

// Term is one term (termin) of a school year; both dates are inclusive
// calendar days in the organiser's time zone.
type Term struct {
	Kind  domain.TermKind `json:"kind"`
	Start domain.Date     `json:"start"`
	End   domain.Date     `json:"end"`
}

// Ended reports whether the term's last day is over at instant now in loc.
func (t Term) Ended(now time.Time, loc *time.Location) bool { return !now.Before(t.End.End(loc)) }

// Contains reports whether day d falls within the term.
func (t Term) Contains(d domain.Date) bool { return !d.Before(t.Start) && !d.After(t.End) }

func (t Term) overlaps(u Term) bool { return !t.End.Before(u.Start) && !u.End.Before(t.Start) }

// SchoolYear is the folded stream of one school year (läsår).
type SchoolYear struct {
	ID       string
	SchoolID string // "" = organiser-wide
	Terms    map[domain.TermKind]Term
	Exists   bool
}

// Term returns the school year's term of kind k.
func (y SchoolYear) Term(k domain.TermKind) (Term, bool) { t, ok := y.Terms[k]; return t, ok }

// Step is one step of a scale, in order from lowest to highest.
type Step struct {
	Key   string `json:"key"`
	Label string `json:"label"`
}

// Scale is the folded stream of one assessment scale (bedömningsskala).
type Scale struct {
	ID, Name     string
	Steps        []Step
	FreeTextOnly bool // "no assessment": comments only, zero steps
	Exists       bool
}

// HasStep reports whether key is a step of the scale.
func (s Scale) HasStep(key string) bool { _, ok := s.StepIndex(key); return ok }

// StepIndex returns the 0-based position of step key.
func (s Scale) StepIndex(key string) (int, bool) {
	i := slices.IndexFunc(s.Steps, func(st Step) bool { return st.Key == key })
	return i, i >= 0
}

// Field is one field of a template: a heading, who may see it, who may edit
// it, and whether its content is sensitive.
type Field struct {
	Key        string        `json:"key"`
	Heading    string        `json:"heading"`
	VisibleTo  []domain.Role `json:"visible_to"`
	EditableBy []domain.Role `json:"editable_by"`
	Sensitive  bool          `json:"sensitive"`
}

// VisibleToRole reports whether role r may see the field.
func (f Field) VisibleToRole(r domain.Role) bool { return slices.Contains(f.VisibleTo, r) }

// EditableByRole reports whether role r may edit the field.
func (f Field) EditableByRole(r domain.Role) bool { return slices.Contains(f.EditableBy, r) }

// TemplateVersion is one version of a template (mall).
type TemplateVersion struct {
	Version  int
	Title    string
	SchoolID string // "" = organiser-wide
	Fields   []Field
}

// Field returns the field with key.
func (v TemplateVersion) Field(key string) (Field, bool) {
	i := slices.IndexFunc(v.Fields, func(f Field) bool { return f.Key == key })
	if i < 0 {
		return Field{}, false
	}
	return v.Fields[i], true
}

// Template is the folded stream of one template with all its versions.
type Template struct {
	ID       string
	Versions []TemplateVersion // Versions[i].Version == i+1
	Exists   bool
}

// Current is the latest version (the zero version when none exists).
func (t Template) Current() TemplateVersion {
	if len(t.Versions) == 0 {
		return TemplateVersion{}
	}
	return t.Versions[len(t.Versions)-1]
}

// At returns version n (1-based).
func (t Template) At(version int) (TemplateVersion, bool) {
	if version < 1 || version > len(t.Versions) {
		return TemplateVersion{}, false
	}
	return t.Versions[version-1], true
}

// School is the folded stream of one school (skola).
type School struct {
	ID, Name    string
	SchoolForms []string
	Exists      bool
}

// HasForm reports whether the school runs school form f.
func (s School) HasForm(f string) bool { return slices.Contains(s.SchoolForms, f) }

func evolveOrganiser(o Organiser, ev domain.Event) Organiser {
	switch e := ev.(type) {
	case TimeZoneSet:
		o.TimeZone = e.TimeZone
	case SupportVisibilitySet:
		o.ShowSupportToHome = e.ShowSupportToHome
	case SubjectDefined:
		o.Subjects = maps.Clone(o.Subjects)
		if o.Subjects == nil {
			o.Subjects = map[string]string{}
		}
		o.Subjects[e.Code] = e.Name
	case SubjectRemoved:
		o.Subjects = maps.Clone(o.Subjects)
		delete(o.Subjects, e.Code)
	case SchoolYearIndexed:
		o.SchoolYears = maps.Clone(o.SchoolYears)
		if o.SchoolYears == nil {
			o.SchoolYears = map[string]IndexedSchoolYear{}
		}
		o.SchoolYears[e.SchoolYearID] = IndexedSchoolYear{ID: e.SchoolYearID, SchoolID: e.SchoolID, Terms: slices.Clone(e.Terms)}
	}
	return o
}

func evolveSchoolYear(y SchoolYear, ev domain.Event) SchoolYear {
	switch e := ev.(type) {
	case SchoolYearCreated:
		y = SchoolYear{ID: e.SchoolYearID, SchoolID: e.SchoolID, Exists: true, Terms: map[domain.TermKind]Term{}}
		for _, t := range e.Terms {
			y.Terms[t.Kind] = t
		}
	case TermDatesChanged:
		y.Terms = maps.Clone(y.Terms)
		y.Terms[e.Kind] = Term{Kind: e.Kind, Start: e.Start, End: e.End}
	}
	return y
}

func evolveScale(s Scale, ev domain.Event) Scale {
	if e, ok := ev.(ScaleCreated); ok {
		s = Scale{ID: e.ScaleID, Name: e.Name, Steps: slices.Clone(e.Steps), FreeTextOnly: e.FreeTextOnly, Exists: true}
	}
	return s
}

func evolveTemplate(t Template, ev domain.Event) Template {
	if e, ok := ev.(TemplateVersionCreated); ok {
		t.ID, t.Exists = e.TemplateID, true
		v := TemplateVersion{Version: e.Version, Title: e.Title, SchoolID: e.SchoolID, Fields: slices.Clone(e.Fields)}
		t.Versions = append(slices.Clip(t.Versions), v)
	}
	return t
}

func evolveSchool(s School, ev domain.Event) School {
	switch e := ev.(type) {
	case SchoolRegistered:
		s = School{ID: e.SchoolID, Name: e.Name, SchoolForms: slices.Clone(e.SchoolForms), Exists: true}
	case SchoolChanged:
		s.Name, s.SchoolForms = e.Name, slices.Clone(e.SchoolForms)
	}
	return s
}
