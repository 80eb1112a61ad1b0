package conference_test

import (
	"testing"
	"time"

	"github.com/iup-platform/iup/domain"
	"github.com/iup-platform/iup/domain/conference"
	"github.com/iup-platform/iup/domain/domaintest"
)

// Conference states are kept between commands, which is safe only when
// folds never share changes.
func TestStatesCanBeKept(t *testing.T) {
	term := domain.TermRef{SchoolYear: "2026-2027", Kind: domain.HT}
	at := time.Date(2026, 10, 5, 13, 0, 0, 0, time.UTC)
	people := []conference.Participant{{PersonID: "s1", Role: conference.RoleStudent}, {PersonID: "m1", Role: conference.RoleMentor}}
	domaintest.CheckKeepable(t, conference.Decider, []domain.Event{
		conference.Scheduled{ConferenceID: "k1", StudentID: "s1", Term: term, At: at, Place: "Rum 12", Participants: people},
		conference.Rescheduled{ConferenceID: "k1", StudentID: "s1", At: at.Add(24 * time.Hour), Place: "Rum 14",
			Participants: append(people, conference.Participant{PersonID: "g1", Role: conference.RoleGuardian})},
		conference.Held{ConferenceID: "k1", StudentID: "s1", Term: term, HeldAt: at.Add(24 * time.Hour), Attendees: []string{"s1", "m1", "g1"},
			Agreements: []string{"läxhjälp"}, PlanStream: "plan-1", PlanVersion: 3,
			Entries: []conference.RecordedEntry{{RoundID: "r1", CourseID: "c1", Stream: "entry-1", Version: 2}}},
		conference.ActionProgrammeConsidered{ConferenceID: "k1", StudentID: "s1", Note: "inget behov", ShowToHome: true},
		conference.Acknowledged{ConferenceID: "k1", StudentID: "s1", GuardianID: "g1"},
		conference.Acknowledged{ConferenceID: "k1", StudentID: "s1", GuardianID: "g2"},
		conference.Cancelled{ConferenceID: "k1", StudentID: "s1", Reason: "dubblett"},
	})
}
