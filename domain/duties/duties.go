// Package duties is the one table of what the school owes a student by
// school form, grade (årskurs; 0 = förskoleklass) and whether grades are
// given: a written IUP, development talks, and the explicit duty to signal a
// risk of not reaching the knowledge requirements. Views and rules read it
// here so no two places can disagree.
package duties

import "github.com/iup-platform/iup/domain/setup"

// Duties are the obligations that apply to one student.
type Duties struct {
	// WrittenIUP: a written individual development plan once per school
	// year, at one of the talks (skriftlig IUP).
	WrittenIUP bool `json:"written_iup"`
	// TalkPerTerm: a development talk at least once per term; when false,
	// once per school year (förskoleklass).
	TalkPerTerm bool `json:"talk_per_term"`
	// RiskSignal: the school must signal clearly when the student risks not
	// reaching the knowledge requirements at the end of this year (3, 6, 9).
	// A risk may be flagged in every year; only these years make it a duty.
	RiskSignal bool `json:"risk_signal"`
}

// For returns the duties of a student in schoolForm and grade. The rows
// follow Skolverket's text: a written IUP in years 1-5 of grundskola,
// anpassad grundskola and sameskola, years 1-6 of specialskola, and in later
// years of anpassad grundskola (6-9) and specialskola (7-10) where no grades
// are given; a talk each term in every compulsory school form, once a year
// in förskoleklass.
func For(schoolForm string, grade int, gradesGiven bool) Duties {
	d := Duties{TalkPerTerm: true, RiskSignal: grade == 3 || grade == 6 || grade == 9}
	switch schoolForm {
	case setup.FormForskoleklass:
		return Duties{}
	case setup.FormGrundskola, setup.FormSameskola:
		d.WrittenIUP = grade >= 1 && grade <= 5
	case setup.FormAnpassadGrundskola:
		d.WrittenIUP = (grade >= 1 && grade <= 5) || (grade >= 6 && grade <= 9 && !gradesGiven)
	case setup.FormSpecialskola:
		d.WrittenIUP = (grade >= 1 && grade <= 6) || (grade >= 7 && grade <= 10 && !gradesGiven)
	}
	if grade == 0 {
		d.TalkPerTerm = false
	}
	return d
}
