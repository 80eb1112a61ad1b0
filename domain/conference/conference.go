// Package conference holds the development talk (utvecklingssamtal) of one
// student in one term: scheduled with time, place and participants, held
// with notes and agreements (which freezes the record and pins the exact
// versions of the plan and the written assessments it was held over), and
// acknowledged by each guardian.
package conference

import (
	"github.com/iup-platform/iup/domain"
	"github.com/iup-platform/iup/domain/duties"
)

const category = "conference"

// Stream is the stream of one conference; its id is chosen by the client,
// and a student may have several talks in a term.
func Stream(tenant, conferenceID string) string {
	return domain.StreamName(category, tenant, conferenceID)
}

// ConferenceDuty says how often a student must be offered a talk: perTerm is
// true for "at least once per term", false for "once per school year"
// (förskoleklass, grade 0). Every other school form and grade has a talk at
// least once per term.
func ConferenceDuty(schoolForm string, grade int) (perTerm bool) {
	return duties.For(schoolForm, grade, false).TalkPerTerm
}
