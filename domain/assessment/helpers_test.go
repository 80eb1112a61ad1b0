package assessment

import (
	"time"

	"github.com/iup-platform/iup/domain"
)

var (
	inTerm    = time.Date(2026, 10, 1, 8, 0, 0, 0, time.UTC)
	afterTerm = time.Date(2027, 2, 10, 8, 0, 0, 0, time.UTC) // February: HT has ended
	steps     = []ScaleStep{{Key: "E", Label: "Acceptable"}, {Key: "C", Label: "Good"}, {Key: "A", Label: "Very good"}}
)

func teacher(id string) domain.Meta {
	return domain.Meta{Actor: domain.Actor{Tenant: "t1", ID: id, Role: domain.RoleTeacher}, Now: inTerm}
}

func admin(onBehalfOf string) domain.Meta {
	return domain.Meta{Actor: domain.Actor{Tenant: "t1", ID: "admin-1", Role: domain.RoleAdmin, OnBehalfOf: onBehalfOf}, Now: inTerm}
}

func student(id string) domain.Meta {
	return domain.Meta{Actor: domain.Actor{Tenant: "t1", ID: id, Role: domain.RoleStudent}, Now: inTerm}
}

// teaches are facts where the given people teach the course and the student
// is enrolled, during the term.
func teaches(ids ...string) Facts {
	return Facts{Day: domain.MustDate("2026-10-01"), CourseExists: true, CoversTerm: true, TermExists: true,
		Teaching: ids, StudentEnrolled: true}
}

var created = RoundCreated{RoundID: "r1", CourseID: "ma-7a", Term: ht, Title: "Matematik HT", ScaleID: "three",
	Steps: steps, SelfAssessment: true}

func round(events ...domain.Event) RoundState {
	return RoundDecider.Fold(append([]domain.Event{created}, events...))
}

func entryFacts(f Facts, events ...domain.Event) EntryFacts {
	return EntryFacts{Round: round(events...), RoundVersion: domain.Version(len(events)), Facts: f}
}

func ended(f Facts) Facts {
	f.TermEnded = true
	f.Day = domain.MustDate("2026-12-20")
	return f
}
