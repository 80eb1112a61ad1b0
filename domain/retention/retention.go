// Package retention holds culling (gallring) by the organiser's retention
// schedule (dokumenthanteringsplan) and lawful erasure: which of a student's
// documents are due for culling, the holds that stop it while a case is
// open, and the event that records a culling. Culling itself is
// crypto-shredding: each document type of a student is sealed with its own
// data key (KeySubject), and destroying that key culls the content.
package retention

import (
	"fmt"
	"strings"
	"time"

	"github.com/iup-platform/iup/domain"
)

// DocType is a kind of document the retention schedule names.
type DocType string

// The document types of the schedule.
const (
	DocPlan       DocType = "plan"       // IUP: fields, goals, agreements, uploaded plans
	DocAssessment DocType = "assessment" // skriftliga omdömen: comments, self-assessments, amendments
	DocConference DocType = "conference" // utvecklingssamtal: the talk's record
	DocRisk       DocType = "risk"       // risk signals and their notes
	DocAccessLog  DocType = "access-log" // who read the student's records
)

// Identity is the student's own name and protected-identity marking. It is
// not on the schedule: it goes when nothing else about the student is kept,
// since a preserved document must still say whom it is about.
const Identity DocType = "identity"

// DocTypes lists the scheduled document types in a stable order.
var DocTypes = []DocType{DocPlan, DocAssessment, DocConference, DocRisk, DocAccessLog}

// Valid reports whether d is a scheduled document type.
func (d DocType) Valid() bool {
	for _, k := range DocTypes {
		if d == k {
			return true
		}
	}
	return false
}

// DocTypeOf says which document type an event's personal content belongs
// to. Roster events (names, the marking) and anything else belong to the
// student's identity.
func DocTypeOf(eventType string) DocType {
	category, _, _ := strings.Cut(eventType, ".")
	switch category {
	case "plan":
		return DocPlan
	case "assessment":
		return DocAssessment
	case "conference":
		return DocConference
	case "risk":
		return DocRisk
	case "access":
		return DocAccessLog
	}
	return Identity
}

// KeySubject is the key-store subject that seals one document type of a
// data subject: the subject itself for its identity, "subject/doctype"
// otherwise ('/' never occurs in an id, so the two never collide).
func KeySubject(subject string, d DocType) string {
	if d == Identity || d == "" {
		return subject
	}
	return subject + "/" + string(d)
}

// KeySubjects lists the key-store subjects of the given document types.
func KeySubjects(student string, docs []DocType) []string {
	out := make([]string, 0, len(docs))
	for _, d := range docs {
		out = append(out, KeySubject(student, d))
	}
	return out
}

// Rule is the schedule's rule for one document type: keep for Months after
// the student leaves the organiser's schools, or Keep (preserve for good).
type Rule struct {
	DocType DocType `json:"doc_type"`
	Keep    bool    `json:"keep,omitempty"`
	Months  int     `json:"months,omitempty"`
}

// String names the rule as the culling event records it.
func (r Rule) String() string {
	if r.Keep {
		return fmt.Sprintf("%s: keep", r.DocType)
	}
	return fmt.Sprintf("%s: %d months after leaving", r.DocType, r.Months)
}

// MaxMonths bounds a retention period (100 years).
const MaxMonths = 1200

func (r Rule) check(field string) error {
	if !r.DocType.Valid() {
		return domain.Invalid(field+".doc_type", "must be one of plan, assessment, conference, risk, access-log")
	}
	if r.Keep && r.Months != 0 {
		return domain.Invalid(field, "is either keep or a number of months, not both")
	}
	if !r.Keep && (r.Months < 0 || r.Months > MaxMonths) {
		return domain.Invalid(field+".months", "must be between 0 and %d", MaxMonths)
	}
	return nil
}

// Schedule is the organiser's retention schedule: at most one rule per
// document type. A document type without a rule is never culled by the
// schedule (only by erasure): nothing is destroyed that no one decided on.
type Schedule struct {
	Rules map[DocType]Rule
}

// DueOn is the first day a document of this rule may be culled for a
// student who left on left; ok is false for keep.
func (r Rule) DueOn(left domain.Date) (domain.Date, bool) {
	if r.Keep {
		return domain.Date{}, false
	}
	return addMonths(left, r.Months), true
}

// addMonths moves d by n calendar months, clamping to the month's last day
// (31 August plus six months is 28 February, not 3 March).
func addMonths(d domain.Date, n int) domain.Date {
	m := int(d.Month) - 1 + n
	y := d.Year + m/12
	m %= 12
	last := time.Date(y, time.Month(m+2), 0, 0, 0, 0, 0, time.UTC).Day()
	return domain.Date{Year: y, Month: time.Month(m + 1), Day: min(d.Day, last)}
}
