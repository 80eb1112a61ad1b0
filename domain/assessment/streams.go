// Package assessment holds the written assessment (skriftligt omdöme): a
// round per course and term, one entry per student in its own stream, and a
// per-student, per-term index so a conference finds a student's entries for
// a term without a read model.
//
// A round names its term when it is created and never changes it; an edit
// after the term has ended is an amendment with a reason, and still belongs
// to the round's term.
package assessment

import "github.com/iup-platform/iup/domain"

// Stream categories. Each ends before the first '-' of the stream name.
const (
	roundCategory       = "assessmentround"
	entryCategory       = "assessmententry"
	studentTermCategory = "assessmentstudentterm"
)

// RoundStream is the stream of one assessment round.
func RoundStream(tenant, roundID string) string {
	return domain.StreamName(roundCategory, tenant, roundID)
}

// EntryStream is the stream of one student's entry in a round. Each entry has
// its own stream so teachers writing for different students never conflict.
// Ids never contain '.', so the name is unambiguous.
func EntryStream(tenant, roundID, studentID string) string {
	return domain.StreamName(entryCategory, tenant, roundID+"."+studentID)
}

// StudentTermStream is the index of a student's entries in one term.
func StudentTermStream(tenant, studentID string, term domain.TermRef) string {
	return domain.StreamName(studentTermCategory, tenant, studentID+"."+term.SchoolYear+"."+string(term.Kind))
}
