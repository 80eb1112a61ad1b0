package staff

import (
	"slices"

	"github.com/iup-platform/iup/domain/assessment"
	"github.com/iup-platform/iup/projections"
)

// entry changes one student's entry in a round and marks it dirty.
func entry(tx projections.Tx, t string, d *dirty, roundID, studentID string, change func(*entryFact)) error {
	return projections.UpdateJSON(tx, roundKey(t, roundID), func(r *roundFact) {
		r.ID = roundID
		i, found := slices.BinarySearchFunc(r.Entries, studentID, func(e entryFact, id string) int {
			return compareStrings(e.StudentID, id)
		})
		if found {
			r.Entries = slices.Clone(r.Entries) // changed in a copy: see addSorted
		} else {
			r.Entries = slices.Insert(slices.Clip(r.Entries), i, entryFact{StudentID: studentID}) // a new array: see addSorted
		}
		change(&r.Entries[i])
		d.student(studentID, r.Term)
		mark(&d.courseOnly, r.CourseID)
	})
}

// assessmentFacts folds the round and entry events.
func assessmentFacts(tx projections.Tx, t string, ev projections.Event, d *dirty) (bool, error) {
	round := func(id string, change func(*roundFact)) error {
		return projections.UpdateJSON(tx, roundKey(t, id), func(r *roundFact) {
			r.ID = id
			change(r)
			mark(&d.courses, r.CourseID)
		})
	}
	var err error
	switch e := ev.Event.(type) {
	case assessment.RoundCreated:
		err = round(e.RoundID, func(r *roundFact) {
			r.Seq, r.CourseID, r.Term, r.Title, r.FreeText, r.SelfAssessment = ev.Position.Commit, e.CourseID, e.Term, e.Title, e.FreeText, e.SelfAssessment
			r.Steps = nil
			for _, s := range e.Steps {
				r.Steps = append(r.Steps, s.Key)
			}
		})
		if err == nil {
			err = projections.UpdateJSON(tx, courseRoundsKey(t, e.CourseID), func(c *courseRounds) {
				if !slices.Contains(c.Rounds, e.RoundID) {
					c.Rounds = append(c.Rounds, e.RoundID)
				}
			})
		}
		if err == nil {
			err = addTerms(tx, t, d, e.Term)
		}
	case assessment.RoundPublished:
		at := e.PublishAt.UTC()
		err = round(e.RoundID, func(r *roundFact) { r.Published, r.PublishAt = true, &at })
	case assessment.RoundUnpublished:
		err = round(e.RoundID, func(r *roundFact) { r.Published, r.PublishAt = false, nil })
	case assessment.RoundSelfAssessmentChanged:
		err = round(e.RoundID, func(r *roundFact) { r.SelfAssessment = e.Allowed })
	case assessment.EntryLevelSet:
		err = entry(tx, t, d, e.RoundID, e.StudentID, func(x *entryFact) { x.Level, x.Withdrawn = e.Level, false })
	case assessment.EntryCommentSet:
		err = entry(tx, t, d, e.RoundID, e.StudentID, func(x *entryFact) { x.Comment, x.Withdrawn = commentPresent(e.Comment, ev), false })
	case assessment.SelfLevelSet:
		err = entry(tx, t, d, e.RoundID, e.StudentID, func(x *entryFact) { x.SelfLevel = e.Level })
	case assessment.SelfCommentSet:
		err = entry(tx, t, d, e.RoundID, e.StudentID, func(x *entryFact) { x.SelfComment = commentPresent(e.Comment, ev) })
	case assessment.EntryAmended:
		err = entry(tx, t, d, e.RoundID, e.StudentID, func(x *entryFact) {
			x.Amended = true
			switch e.Field {
			case assessment.FieldLevel:
				x.Level, x.Withdrawn = e.Level, false
			case assessment.FieldComment:
				x.Comment, x.Withdrawn = commentPresent(e.Comment, ev), false
			case assessment.FieldSelfLevel:
				x.SelfLevel = e.Level
			case assessment.FieldSelfComment:
				x.SelfComment = commentPresent(e.Comment, ev)
			}
		})
	case assessment.EntryWithdrawn:
		err = entry(tx, t, d, e.RoundID, e.StudentID, func(x *entryFact) { x.Level, x.Comment, x.Withdrawn = "", false, true })
	default:
		return false, nil
	}
	return true, err
}
