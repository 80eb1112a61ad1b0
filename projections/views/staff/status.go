package staff

import "github.com/iup-platform/iup/domain"

// The statuses a row shows of a student's plan, talk and risks in a term,
// shared by the mentor overview and the school lists.

func planOf(f studentFacts, term domain.TermRef) PlanStatus {
	for _, p := range f.Plans {
		if p.Term == term {
			return PlanStatus{Status: p.Status, PlanID: p.ID, Legacy: p.Legacy}
		}
	}
	return PlanStatus{Status: StatusNone}
}

// conferenceOf picks the talk to show; wholeYear looks at both terms of the
// school year (förskoleklass owes one talk a year).
func conferenceOf(f studentFacts, term domain.TermRef, wholeYear bool) ConferenceStatus {
	best := ConferenceStatus{Status: StatusNone}
	for _, c := range f.Conferences {
		if c.Term != term && (!wholeYear || c.Term.SchoolYear != term.SchoolYear) {
			continue
		}
		at := c.At
		cs := ConferenceStatus{Status: c.Status, ConferenceID: c.ID, At: &at}
		switch {
		case conferenceRank(cs.Status) > conferenceRank(best.Status):
			best = cs
		case cs.Status == best.Status && cs.Status == StatusScheduled && at.Before(*best.At):
			best = cs
		case cs.Status == best.Status && cs.Status == StatusHeld && at.After(*best.At):
			best = cs
		}
	}
	if best.Status == StatusCancelled {
		best.At = nil
	}
	return best
}

// conferenceRank orders talk statuses: held over scheduled over
// cancelled over none; a switch, not a map built on every call (a school's
// lists call it for every student at every render).
func conferenceRank(status string) int {
	switch status {
	case StatusCancelled:
		return 1
	case StatusScheduled:
		return 2
	case StatusHeld:
		return 3
	}
	return 0
}

func risksOf(f studentFacts, term domain.TermRef) []RiskSignal {
	out := []RiskSignal{}
	for _, r := range f.Risks {
		if r.Term.SchoolYear == term.SchoolYear && !termLess(term, r.Term) {
			out = append(out, RiskSignal{Subject: r.Subject, Term: r.Term, CourseID: r.CourseID, Grade: r.Grade, DutyYear: r.DutyYear})
		}
	}
	return out
}
