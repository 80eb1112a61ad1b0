package conference

import (
	"fmt"
	"slices"

	"github.com/iup-platform/iup/domain"
)

func checkRecord(s State, c Hold) error {
	if len(c.Attendees) == 0 || len(c.Attendees) > MaxParticipants {
		return domain.Invalid("attendees", "must name 1 to %d people", MaxParticipants)
	}
	seen := map[string]bool{}
	for i, id := range c.Attendees {
		field := fmt.Sprintf("attendees[%d]", i)
		if err := domain.CheckID(field, id); err != nil {
			return err
		}
		if seen[id] {
			return domain.Invalid(field, "is listed twice")
		}
		seen[id] = true
		if !slices.ContainsFunc(s.Participants, func(p Participant) bool { return p.PersonID == id }) {
			return domain.Invalid(field, "was not invited: reschedule with them as a participant first")
		}
	}
	if err := checkText("notes", c.Notes, MaxNotes, false); err != nil {
		return err
	}
	if len(c.Agreements) > MaxAgreements {
		return domain.Invalid("agreements", "must be at most %d", MaxAgreements)
	}
	for _, a := range c.Agreements {
		if err := checkText("agreements", a, MaxAgreement, true); err != nil {
			return err
		}
	}
	if c.ActionNote != "" && !c.ActionProgramme {
		return domain.Invalid("action_note", "is only given when an action programme is to be considered")
	}
	if err := checkText("action_note", c.ActionNote, MaxActionNote, false); err != nil {
		return err
	}
	if c.Snapshot.PlanStream == "" {
		return domain.Invalid("snapshot", "the plan and assessment versions must be loaded before holding the talk")
	}
	return nil
}

// decideHold records the talk by the student's mentor and freezes it, with
// the versions of the plan and the entries as they stood.
func decideHold(s State, c Hold) ([]domain.Event, error) {
	if c.Actor.Role != domain.RoleMentor || !c.Facts.Mentor {
		return nil, domain.Forbidden("only the student's mentor records a talk as held")
	}
	if err := firstError(existing(s), open(s)); err != nil {
		return nil, err
	}
	if err := checkRecord(s, c); err != nil {
		return nil, err
	}
	entries := append([]RecordedEntry{}, c.Snapshot.Entries...)
	events := []domain.Event{Held{
		ConferenceID: c.ConferenceID, StudentID: s.StudentID, Term: s.Term, HeldAt: c.Now.UTC(),
		Attendees: slices.Clone(c.Attendees), Notes: c.Notes, Agreements: slices.Clone(c.Agreements),
		PlanStream: c.Snapshot.PlanStream, PlanVersion: c.Snapshot.PlanVersion, Entries: entries,
	}}
	if c.ActionProgramme {
		events = append(events, ActionProgrammeConsidered{
			ConferenceID: c.ConferenceID, StudentID: s.StudentID, Note: c.ActionNote,
			SupportMatter: true, ShowToHome: c.Facts.ShowSupportToHome,
		})
	}
	return events, nil
}
