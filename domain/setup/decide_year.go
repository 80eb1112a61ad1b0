package setup

import (
	"github.com/iup-platform/iup/domain"
)

// SchoolYearDecider is the school-year aggregate.
var SchoolYearDecider = domain.Decider[SchoolYear, SchoolYearCommand]{
	Initial: func() SchoolYear { return SchoolYear{} },
	Decide:  decideSchoolYear,
	Evolve:  evolveSchoolYear,
	Keep:    "setup.school-year",
}

func decideSchoolYear(y SchoolYear, c SchoolYearCommand) ([]domain.Event, error) {
	if err := domain.CheckID("school_year_id", c.schoolYearID()); err != nil {
		return nil, err
	}
	if err := requireAdmin(c.CommandMeta().Actor); err != nil {
		return nil, err
	}
	switch c := c.(type) {
	case CreateSchoolYear:
		return decideCreateYear(y, c)
	case ChangeTermDates:
		if !y.Exists {
			return nil, domain.NotFound("there is no school year with this id")
		}
		if !c.Kind.Valid() {
			return nil, domain.Invalid("kind", "must be HT or VT, not %q", c.Kind)
		}
		next := Term{Kind: c.Kind, Start: c.Start, End: c.End}
		if cur := y.Terms[c.Kind]; cur == next {
			return nil, nil
		}
		ht, vt := y.Terms[domain.HT], y.Terms[domain.VT]
		if c.Kind == domain.HT {
			ht = next
		} else {
			vt = next
		}
		if err := checkTerms(ht, vt); err != nil {
			return nil, err
		}
		if err := checkOverlap(y.ID, y.SchoolID, []Term{ht, vt}, c.Facts.Others); err != nil {
			return nil, err
		}
		return []domain.Event{TermDatesChanged{SchoolYearID: y.ID, Kind: c.Kind, Start: c.Start, End: c.End}}, nil
	}
	return nil, domain.Invalid("command", "is not a school-year command")
}

func decideCreateYear(y SchoolYear, c CreateSchoolYear) ([]domain.Event, error) {
	if err := checkOptionalID("school_id", c.SchoolID); err != nil {
		return nil, err
	}
	ht, vt := c.HT, c.VT
	ht.Kind, vt.Kind = domain.HT, domain.VT
	if err := checkTerms(ht, vt); err != nil {
		return nil, err
	}
	if y.Exists {
		// A repeated create (a retried request) decides nothing; different
		// dates under the same id are a change, made with ChangeTermDates.
		if y.SchoolID == c.SchoolID && y.Terms[domain.HT] == ht && y.Terms[domain.VT] == vt {
			return nil, nil
		}
		return nil, domain.RuleViolated("a school year with this id already exists: change its term dates instead")
	}
	if c.SchoolID != "" && !c.Facts.SchoolExists {
		return nil, domain.NotFound("there is no school with this id: register the school first")
	}
	terms := []Term{ht, vt}
	if err := checkOverlap(c.SchoolYearID, c.SchoolID, terms, c.Facts.Others); err != nil {
		return nil, err
	}
	return []domain.Event{SchoolYearCreated{SchoolYearID: c.SchoolYearID, SchoolID: c.SchoolID, Terms: terms}}, nil
}

// checkTerms: both terms have dates, start <= end, and HT ends before VT starts.
func checkTerms(ht, vt Term) error {
	for _, t := range []Term{ht, vt} {
		field := "terms." + string(t.Kind)
		if t.Start.IsZero() || t.End.IsZero() {
			return domain.Invalid(field, "needs a start and an end date")
		}
		if t.End.Before(t.Start) {
			return domain.Invalid(field, "ends (%s) before it starts (%s)", t.End, t.Start)
		}
	}
	if !ht.End.Before(vt.Start) {
		return domain.Invalid("terms", "HT (ending %s) must end before VT starts (%s)", ht.End, vt.Start)
	}
	return nil
}

// checkOverlap refuses terms overlapping a term of another school year of
// the same scope (organiser-wide, or the same school).
func checkOverlap(id, schoolID string, terms []Term, others []IndexedSchoolYear) error {
	for _, o := range others {
		if o.ID == id || o.SchoolID != schoolID {
			continue
		}
		for _, t := range terms {
			for _, u := range o.Terms {
				if t.overlaps(u) {
					return domain.RuleViolated("%s (%s to %s) overlaps %s %s (%s to %s): choose dates outside it",
						t.Kind, t.Start, t.End, o.ID, u.Kind, u.Start, u.End)
				}
			}
		}
	}
	return nil
}
