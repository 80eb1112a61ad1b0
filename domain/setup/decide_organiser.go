package setup

import (
	"slices"
	"strings"

	"github.com/iup-platform/iup/domain"
)

// OrganiserDecider is the organiser aggregate: settings, subject codes and
// the index of school years.
var OrganiserDecider = domain.Decider[Organiser, OrganiserCommand]{
	Initial: func() Organiser { return Organiser{} },
	Decide:  decideOrganiser,
	Evolve:  evolveOrganiser,
	Keep:    "setup.organiser",
}

// SchoolDecider is the school aggregate.
var SchoolDecider = domain.Decider[School, SchoolCommand]{
	Initial: func() School { return School{} },
	Decide:  decideSchool,
	Evolve:  evolveSchool,
	Keep:    "setup.school",
}

func decideOrganiser(o Organiser, c OrganiserCommand) ([]domain.Event, error) {
	if err := requireAdmin(c.CommandMeta().Actor); err != nil {
		return nil, err
	}
	switch c := c.(type) {
	case SetTimeZone:
		if c.TimeZone == "" {
			return nil, domain.Invalid("time_zone", "is required, for example %s", domain.DefaultTimeZone)
		}
		if _, err := domain.Location(c.TimeZone); err != nil {
			return nil, err
		}
		if c.TimeZone == o.TimeZone || o.TimeZone == "" && c.TimeZone == domain.DefaultTimeZone {
			return nil, nil
		}
		return []domain.Event{TimeZoneSet{TimeZone: c.TimeZone}}, nil
	case SetSupportVisibility:
		if c.ShowSupportToHome == o.ShowSupportToHome {
			return nil, nil
		}
		return []domain.Event{SupportVisibilitySet{ShowSupportToHome: c.ShowSupportToHome}}, nil
	case DefineSubject:
		name := strings.TrimSpace(c.Name)
		if !ValidSubjectCode(c.Code) {
			return nil, domain.Invalid("code", "must be 1-12 uppercase letters, digits or inner spaces, such as SV or M2 SPA")
		}
		if err := checkText("name", name, MaxSubject); err != nil {
			return nil, err
		}
		if cur, ok := o.Subjects[c.Code]; ok && cur == name {
			return nil, nil
		}
		return []domain.Event{SubjectDefined{Code: c.Code, Name: name}}, nil
	case RemoveSubject:
		if !o.HasSubject(c.Code) {
			return nil, nil
		}
		return []domain.Event{SubjectRemoved{Code: c.Code}}, nil
	case IndexSchoolYear:
		return decideIndex(o, c)
	}
	return nil, domain.Invalid("command", "is not an organiser command")
}

func decideIndex(o Organiser, c IndexSchoolYear) ([]domain.Event, error) {
	if err := firstError(domain.CheckID("school_year_id", c.SchoolYearID), checkOptionalID("school_id", c.SchoolID)); err != nil {
		return nil, err
	}
	var ht, vt Term
	for _, t := range c.Terms {
		switch t.Kind {
		case domain.HT:
			ht = t
		case domain.VT:
			vt = t
		default:
			return nil, domain.Invalid("terms", "a term must be HT or VT, not %q", t.Kind)
		}
	}
	if len(c.Terms) != 2 || ht.Kind == "" || vt.Kind == "" {
		return nil, domain.Invalid("terms", "a school year has exactly one HT and one VT term")
	}
	if err := checkTerms(ht, vt); err != nil {
		return nil, err
	}
	terms := []Term{ht, vt}
	if cur, ok := o.SchoolYears[c.SchoolYearID]; ok {
		if cur.SchoolID != c.SchoolID {
			return nil, domain.RuleViolated("a school year's scope cannot change: create a new school year")
		}
		if slices.Equal(cur.Terms, terms) {
			return nil, nil
		}
	}
	if err := checkOverlap(c.SchoolYearID, c.SchoolID, terms, indexed(o)); err != nil {
		return nil, err
	}
	return []domain.Event{SchoolYearIndexed{SchoolYearID: c.SchoolYearID, SchoolID: c.SchoolID, Terms: terms}}, nil
}

// indexed lists the index's school years sorted by id, so errors are stable.
func indexed(o Organiser) []IndexedSchoolYear {
	out := make([]IndexedSchoolYear, 0, len(o.SchoolYears))
	for _, y := range o.SchoolYears {
		out = append(out, y)
	}
	slices.SortFunc(out, func(a, b IndexedSchoolYear) int { return strings.Compare(a.ID, b.ID) })
	return out
}

func decideSchool(s School, c SchoolCommand) ([]domain.Event, error) {
	if err := domain.CheckID("school_id", c.schoolID()); err != nil {
		return nil, err
	}
	if err := requireAdmin(c.CommandMeta().Actor); err != nil {
		return nil, err
	}
	var name string
	var forms []string
	switch c := c.(type) {
	case RegisterSchool:
		name, forms = strings.TrimSpace(c.Name), c.SchoolForms
	case ChangeSchool:
		if !s.Exists {
			return nil, domain.NotFound("there is no school with this id")
		}
		name, forms = strings.TrimSpace(c.Name), c.SchoolForms
	default:
		return nil, domain.Invalid("command", "is not a school command")
	}
	if err := checkText("name", name, MaxName); err != nil {
		return nil, err
	}
	forms, err := normaliseForms(forms)
	if err != nil {
		return nil, err
	}
	if s.Exists && s.Name == name && slices.Equal(s.SchoolForms, forms) {
		return nil, nil
	}
	if _, ok := c.(RegisterSchool); ok && s.Exists {
		return nil, domain.RuleViolated("a school with this id already exists: change it instead, or choose another id")
	}
	if s.Exists {
		return []domain.Event{SchoolChanged{SchoolID: s.ID, Name: name, SchoolForms: forms}}, nil
	}
	return []domain.Event{SchoolRegistered{SchoolID: c.schoolID(), Name: name, SchoolForms: forms}}, nil
}
