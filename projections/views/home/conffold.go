package home

import (
	"slices"
	"strings"

	"github.com/iup-platform/iup/domain/conference"
	"github.com/iup-platform/iup/projections"
)

func participants(ps []conference.Participant) []ParticipantRef {
	out := make([]ParticipantRef, 0, len(ps))
	for _, p := range ps {
		out = append(out, ParticipantRef{PersonID: p.PersonID, Role: string(p.Role)})
	}
	return out
}

func foldConference(tx projections.Tx, t string, ev projections.Event, d *dirty) error {
	var confID, student string
	switch e := ev.Event.(type) {
	case conference.Scheduled:
		confID, student = e.ConferenceID, e.StudentID
	case conference.Rescheduled:
		confID, student = e.ConferenceID, e.StudentID
	case conference.Cancelled:
		confID, student = e.ConferenceID, e.StudentID
	case conference.Held:
		confID, student = e.ConferenceID, e.StudentID
		d.held = confID
	case conference.ActionProgrammeConsidered:
		confID, student = e.ConferenceID, e.StudentID
	case conference.Acknowledged:
		confID, student = e.ConferenceID, e.StudentID
	}
	err := projections.UpdateJSON(tx, confFactKey(t, confID), func(c *confFact) {
		c.ConferenceID, c.StudentID = confID, student
		c.Culled = c.Culled || ev.Culled
		applyConference(c, ev)
	})
	if err != nil {
		return err
	}
	mark(&d.students, student)
	mark(&d.confs, confID)
	return indexStudent(tx, t, student, func(s *studentFacts) {
		s.Conferences = addSorted(s.Conferences, confID)
		switch e := ev.Event.(type) {
		case conference.Scheduled:
			s.Open = opened(s.Open, confID, e.Term)
		case conference.Held, conference.Cancelled:
			s.Open = closed(s.Open, confID)
		}
	})
}

// applyConference folds one conference event into the talk's facts.
func applyConference(c *confFact, ev projections.Event) {
	switch e := ev.Event.(type) {
	case conference.Scheduled:
		c.Term, c.At, c.Place, c.Status = e.Term, e.At.UTC(), e.Place, StatusScheduled
		c.Participants, c.InterpreterLanguage = participants(e.Participants), e.InterpreterLanguage
	case conference.Rescheduled:
		c.At, c.Place = e.At.UTC(), e.Place
		c.Participants, c.InterpreterLanguage = participants(e.Participants), e.InterpreterLanguage
	case conference.Cancelled:
		c.Status = StatusCancelled
	case conference.Held:
		at := e.HeldAt.UTC()
		c.Term, c.Status, c.HeldAt = e.Term, StatusHeld, &at
		c.Attendees, c.Notes, c.Agreements = slices.Clone(e.Attendees), e.Notes, slices.Clone(e.Agreements)
		c.Held = &heldVersions{PlanStream: e.PlanStream, PlanVersion: e.PlanVersion, Entries: slices.Clone(e.Entries)}
	case conference.ActionProgrammeConsidered:
		c.ActionProgramme = &ActionProgramme{Note: e.Note, ShowToHome: e.ShowToHome, Culled: ev.Culled}
	case conference.Acknowledged:
		i, found := slices.BinarySearchFunc(c.Acknowledgements, e.GuardianID, func(a Acknowledgement, id string) int { return strings.Compare(a.GuardianID, id) })
		if !found {
			// A new array: sorting in place would reorder the one the
			// fact read from the overlay shares with its previous version.
			c.Acknowledgements = slices.Insert(slices.Clip(c.Acknowledgements), i, Acknowledgement{GuardianID: e.GuardianID, At: ev.RecordedAt.UTC()})
		}
	}
}
