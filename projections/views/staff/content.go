package staff

import (
	"slices"

	"github.com/iup-platform/iup/domain"
	"github.com/iup-platform/iup/domain/conference"
	"github.com/iup-platform/iup/domain/plan"
	"github.com/iup-platform/iup/domain/risk"
	"github.com/iup-platform/iup/projections"
)

// Plan and conference statuses as the views show them.
const (
	StatusNone      = "none"
	StatusDraft     = "draft"
	StatusPublished = "published"
	StatusArchived  = "archived"
	StatusScheduled = "scheduled"
	StatusHeld      = "held"
	StatusCancelled = "cancelled"
)

// foldContent folds the assessment, plan, conference and risk events.
func foldContent(tx projections.Tx, t string, ev projections.Event) (*dirty, error) {
	d := newDirty()
	if ok, err := assessmentFacts(tx, t, ev, d); ok {
		return d, err
	}
	student := func(id string, change func(*studentFacts)) error {
		return projections.UpdateJSON(tx, studentKey(t, id), change)
	}
	var err error
	switch e := ev.Event.(type) {
	case plan.Created:
		err = planStatus(tx, t, d, e.StudentID, e.PlanID, e.Term, func(p *planFact) { p.Status = StatusDraft })
	case plan.Published:
		err = planStatus(tx, t, d, e.StudentID, e.PlanID, domain.TermRef{}, func(p *planFact) { p.Status, p.Published = StatusPublished, true })
	case plan.Unpublished:
		err = planStatus(tx, t, d, e.StudentID, e.PlanID, domain.TermRef{}, func(p *planFact) { p.Status = StatusDraft })
	case plan.Archived:
		err = planStatus(tx, t, d, e.StudentID, e.PlanID, domain.TermRef{}, func(p *planFact) { p.Status = StatusArchived })
	case plan.LegacyDocumentAttached:
		err = planStatus(tx, t, d, e.StudentID, e.PlanID, e.Term, func(p *planFact) { p.Legacy = true })
	case conference.Scheduled:
		err = conferenceStatus(tx, t, d, e.StudentID, e.ConferenceID, e.Term, func(c *conferenceFact) { c.Status, c.At = StatusScheduled, e.At.UTC() })
	case conference.Rescheduled:
		err = conferenceStatus(tx, t, d, e.StudentID, e.ConferenceID, domain.TermRef{}, func(c *conferenceFact) { c.At = e.At.UTC() })
	case conference.Cancelled:
		err = conferenceStatus(tx, t, d, e.StudentID, e.ConferenceID, domain.TermRef{}, func(c *conferenceFact) { c.Status = StatusCancelled })
	case conference.Held:
		err = conferenceStatus(tx, t, d, e.StudentID, e.ConferenceID, e.Term, func(c *conferenceFact) { c.Status, c.At = StatusHeld, e.HeldAt.UTC() })
	case risk.RiskSignalled:
		var old domain.TermRef
		err = student(e.StudentID, func(f *studentFacts) {
			f.Risks = slices.Clone(f.Risks) // changed in a copy: see addSorted
			f.Risks = slices.DeleteFunc(f.Risks, func(r riskFact) bool {
				if r.Subject == e.Subject {
					old = r.Term
					return true
				}
				return false
			})
			f.Risks = append(f.Risks, riskFact{Subject: e.Subject, Term: e.Term, CourseID: e.CourseID, Grade: e.Grade, DutyYear: e.DutyYear})
			slices.SortFunc(f.Risks, func(a, b riskFact) int { return compareStrings(a.Subject, b.Subject) })
		})
		d.student(e.StudentID, yearTerms(e.Term)...)
		if old.SchoolYear != "" {
			d.student(e.StudentID, yearTerms(old)...)
		}
		if err == nil {
			err = addTerms(tx, t, d, e.Term)
		}
	case risk.RiskWithdrawn:
		err = student(e.StudentID, func(f *studentFacts) {
			f.Risks = slices.Clone(f.Risks) // changed in a copy: see addSorted
			f.Risks = slices.DeleteFunc(f.Risks, func(r riskFact) bool {
				if r.Subject == e.Subject {
					d.student(e.StudentID, yearTerms(r.Term)...)
					return true
				}
				return false
			})
		})
	}
	return d, err
}

// yearTerms are both terms of t's school year: a risk signalled in HT still
// holds in VT, since the duty concerns the end of the school year.
func yearTerms(t domain.TermRef) []domain.TermRef {
	return []domain.TermRef{{SchoolYear: t.SchoolYear, Kind: domain.HT}, {SchoolYear: t.SchoolYear, Kind: domain.VT}}
}

// planStatus changes the student's plan planID; term is known from the
// plan's first event, or read from the id (student.schoolyear.kind).
func planStatus(tx projections.Tx, t string, d *dirty, studentID, planID string, term domain.TermRef, change func(*planFact)) error {
	var at domain.TermRef
	err := projections.UpdateJSON(tx, studentKey(t, studentID), func(f *studentFacts) {
		f.Plans = slices.Clone(f.Plans) // changed in a copy: see addSorted
		i := slices.IndexFunc(f.Plans, func(p planFact) bool { return p.ID == planID })
		if i < 0 {
			if term.SchoolYear == "" {
				_, term, _ = plan.ParseID(planID)
			}
			f.Plans = append(f.Plans, planFact{ID: planID, Term: term, Status: StatusNone})
			slices.SortFunc(f.Plans, func(a, b planFact) int { return compareStrings(a.ID, b.ID) })
			i = slices.IndexFunc(f.Plans, func(p planFact) bool { return p.ID == planID })
		}
		change(&f.Plans[i])
		at = f.Plans[i].Term
	})
	if err != nil {
		return err
	}
	// A written IUP is due once per school year: both terms' lists change.
	d.student(studentID, yearTerms(at)...)
	return addTerms(tx, t, d, at)
}

// conferenceStatus changes the student's talk conferenceID.
func conferenceStatus(tx projections.Tx, t string, d *dirty, studentID, conferenceID string, term domain.TermRef, change func(*conferenceFact)) error {
	var at domain.TermRef
	err := projections.UpdateJSON(tx, studentKey(t, studentID), func(f *studentFacts) {
		f.Conferences = slices.Clone(f.Conferences) // changed in a copy: see addSorted
		i := slices.IndexFunc(f.Conferences, func(c conferenceFact) bool { return c.ID == conferenceID })
		if i < 0 {
			f.Conferences = append(f.Conferences, conferenceFact{ID: conferenceID, Status: StatusNone})
			slices.SortFunc(f.Conferences, func(a, b conferenceFact) int { return compareStrings(a.ID, b.ID) })
			i = slices.IndexFunc(f.Conferences, func(c conferenceFact) bool { return c.ID == conferenceID })
		}
		if term.SchoolYear != "" {
			f.Conferences[i].Term = term
		}
		change(&f.Conferences[i])
		at = f.Conferences[i].Term
	})
	if err != nil || at.SchoolYear == "" {
		return err
	}
	// Förskoleklass owes one talk a school year: both terms may change.
	d.student(studentID, yearTerms(at)...)
	return addTerms(tx, t, d, at)
}
