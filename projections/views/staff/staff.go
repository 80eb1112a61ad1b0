// Package staff holds the views staff work from: the mentor's overview of
// all mentees in a term, the teacher's view of one course in a term, and the
// school's lists of students the school owes something (a risk signal, a
// talk, a written IUP).
//
// Each view folds the events it needs into helper documents under "facts/"
// (and the shared roster relations under "rel/"), neither served, and then
// renders every served document the event can change from those facts. A
// document therefore never depends on the order in which roster and content
// events arrived, and a replay yields the same bytes.
//
// Content belongs to the term its round, plan or talk names, never to the
// day it was edited. The views carry flags, never personal text: a comment
// is present or not, a plan has a status, a talk has a status and a time.
package staff

import (
	"github.com/iup-platform/iup/domain"
	"github.com/iup-platform/iup/domain/assessment"
	"github.com/iup-platform/iup/domain/conference"
	"github.com/iup-platform/iup/domain/plan"
	"github.com/iup-platform/iup/domain/risk"
	"github.com/iup-platform/iup/projections"
	"github.com/iup-platform/iup/projections/views/relations"
)

// Name is the projection that serves the three staff views.
const Name = "staff"

// Names of the views; every served key starts with the name.
const (
	MentorOverviewName = "mentor-overview"
	CourseViewName     = "course-view"
	SchoolListsName    = "school-lists"
)

// MentorOverviewKey is the key of a mentor's overview of a term.
func MentorOverviewKey(tenant, mentorID string, term domain.TermRef) string {
	return MentorOverviewName + "/" + tenant + "/" + mentorID + "/" + term.String()
}

// CourseViewKey is the key of a course's view in a term.
func CourseViewKey(tenant, courseID string, term domain.TermRef) string {
	return CourseViewName + "/" + tenant + "/" + courseID + "/" + term.String()
}

// SchoolListsKey is the key of a school's lists for a term.
func SchoolListsKey(tenant, schoolID string, term domain.TermRef) string {
	return SchoolListsName + "/" + tenant + "/" + schoolID + "/" + term.String()
}

// handles is what every staff view reads: the relations, and all content
// events, so the three views share one fold of facts.
var handles = relations.With(
	assessment.RoundCreated{}.EventType(), assessment.RoundPublished{}.EventType(),
	assessment.RoundUnpublished{}.EventType(), assessment.RoundSelfAssessmentChanged{}.EventType(),
	assessment.EntryLevelSet{}.EventType(), assessment.EntryCommentSet{}.EventType(),
	assessment.SelfLevelSet{}.EventType(), assessment.SelfCommentSet{}.EventType(),
	assessment.EntryAmended{}.EventType(), assessment.EntryWithdrawn{}.EventType(),
	plan.Created{}.EventType(), plan.Published{}.EventType(), plan.Unpublished{}.EventType(),
	plan.Archived{}.EventType(), plan.LegacyDocumentAttached{}.EventType(),
	conference.Scheduled{}.EventType(), conference.Rescheduled{}.EventType(),
	conference.Cancelled{}.EventType(), conference.Held{}.EventType(),
	risk.RiskSignalled{}.EventType(), risk.RiskWithdrawn{}.EventType(),
)

// Projection serves the three staff views from one fold: they read the
// same facts, so folding them once instead of once per view is most of a
// rebuild's saving.
var Projection = family(Name, []string{MentorOverviewName, CourseViewName, SchoolListsName},
	renderMentors, renderCourses, renderSchools)

// family builds a staff projection: relations first, then the facts, then
// each view's render of the documents the event changed.
func family(name string, views []string, renders ...func(r *reader, d *dirty) error) projections.Projection {
	return projections.Projection{
		Name:    name,
		Version: 1,
		Views:   views,
		Handles: handles,
		Apply: func(tx projections.Tx, ev projections.Event) error {
			if err := relations.Apply(tx, ev); err != nil {
				return err
			}
			t := ev.Actor.Tenant
			d, err := fold(tx, t, ev)
			if err != nil {
				return err
			}
			if d.empty() {
				return nil
			}
			// Which served documents changed is worked out once per batch
			// (per rebuild, when renders are held) from what all its events
			// marked: worked out per event, it read every marked student's
			// relations again and cost twice the fold. Marks only grow and
			// relations keep their ended periods, so the batch's final facts
			// name every document an event's own would have.
			return projections.Gather(tx, projections.RenderKey(name, t), func(all *dirty) { all.merge(d) },
				func(tx projections.Tx, all *dirty) error {
					// One reader for all renders: they read facts the
					// batch has finished changing, and write only served
					// documents.
					r := newReader(tx, t)
					for _, render := range renders {
						if err := render(r, all); err != nil {
							return err
						}
					}
					return nil
				})
		},
	}
}

// Period is a relation's span as the view stores it: From inclusive, To
// exclusive, zero To open. The API judges it against today's date.
type Period struct {
	From domain.Date `json:"from"`
	To   domain.Date `json:"to"`
}

// overlaps reports whether p covers any day of [start, end] (inclusive).
func overlaps(from, to, start, end domain.Date) bool {
	return !from.After(end) && (to.IsZero() || to.After(start))
}

// termLess orders terms by school year, then HT before VT.
func termLess(a, b domain.TermRef) bool {
	if a.SchoolYear != b.SchoolYear {
		return a.SchoolYear < b.SchoolYear
	}
	return a.Kind < b.Kind
}

// HoldsOn reports whether the period covers day.
func (p Period) HoldsOn(day domain.Date) bool {
	return !day.Before(p.From) && (p.To.IsZero() || day.Before(p.To))
}

// MentoredOn reports whether the row's mentor mentors the student on day,
// for an API that lists only current mentees.
func (r MenteeRow) MentoredOn(day domain.Date) bool {
	for _, p := range r.Mentor {
		if p.HoldsOn(day) {
			return true
		}
	}
	return false
}

// TaughtBy reports whether staffID teaches the course on day: the API's
// check before it serves the course view to a teacher.
func (c CourseViewDoc) TaughtBy(staffID string, day domain.Date) bool {
	for _, t := range c.Teachers {
		if t.StaffID == staffID && t.HoldsOn(day) {
			return true
		}
	}
	return false
}
