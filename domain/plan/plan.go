// Package plan holds the individual development plan (individuell
// utvecklingsplan, IUP): one plan per student and term, made from one version
// of a template and keeping that version forever. Its fields are written by
// the mentor, the student, the guardians and teachers as the template allows;
// goals are followed up and evaluated; agreements from a conference
// (utvecklingssamtal) are recorded in it.
package plan

import (
	"strings"

	"github.com/iup-platform/iup/domain"
)

const category = "plan"

// ID is the plan id of a student's plan for a term: student, school year and
// term kind joined by '.'. Opaque ids never contain '.', so it parses back.
// Deriving the id makes a repeated bulk creation idempotent.
func ID(studentID string, term domain.TermRef) string {
	return studentID + "." + term.SchoolYear + "." + string(term.Kind)
}

// ParseID splits a plan id into the student and the term.
func ParseID(id string) (studentID string, term domain.TermRef, err error) {
	parts := strings.Split(id, ".")
	if len(parts) != 3 {
		return "", domain.TermRef{}, domain.Invalid("plan_id", "must be STUDENT.SCHOOLYEAR.HT or STUDENT.SCHOOLYEAR.VT")
	}
	if err := domain.CheckID("plan_id", parts[0]); err != nil {
		return "", domain.TermRef{}, err
	}
	term = domain.TermRef{SchoolYear: parts[1], Kind: domain.TermKind(parts[2])}
	if err := term.Check("plan_id"); err != nil {
		return "", domain.TermRef{}, err
	}
	return parts[0], term, nil
}

// Stream is the stream of a student's plan for a term.
func Stream(tenant, studentID string, term domain.TermRef) string {
	return domain.StreamName(category, tenant, ID(studentID, term))
}
