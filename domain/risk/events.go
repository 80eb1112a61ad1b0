package risk

import "github.com/iup-platform/iup/domain"

// RiskSignalled: a teacher of the subject or the student's mentor marked
// that the student risks not reaching the knowledge requirements in the
// subject. Signalled again while active, it replaces the term, course and note.
type RiskSignalled struct {
	StudentID string         `json:"student_id"`
	Subject   string         `json:"subject"`
	Term      domain.TermRef `json:"term"`
	// CourseID is the course through which a teacher signalled; empty when
	// the mentor did.
	CourseID string `json:"course_id,omitempty"`
	// Grade is the student's year when signalled; DutyYear says whether the
	// school had an explicit duty to signal in it.
	Grade      int    `json:"grade,omitempty"`
	DutyYear   bool   `json:"duty_year"`
	Note       string `json:"note,omitempty" personal:"true"`
	OnBehalfOf string `json:"on_behalf_of,omitempty"`
}

// RiskWithdrawn: the signal no longer holds.
type RiskWithdrawn struct {
	StudentID  string `json:"student_id"`
	Subject    string `json:"subject"`
	Reason     string `json:"reason" personal:"true"`
	OnBehalfOf string `json:"on_behalf_of,omitempty"`
}

// EventType implements domain.Event.
func (RiskSignalled) EventType() string { return "risk.signalled" }

// EventType implements domain.Event.
func (RiskWithdrawn) EventType() string { return "risk.withdrawn" }

// DataSubject implements domain.DataSubject: the note is about the student.
func (e RiskSignalled) DataSubject() string { return e.StudentID }

// DataSubject implements domain.DataSubject.
func (e RiskWithdrawn) DataSubject() string { return e.StudentID }

func init() {
	domain.Register[RiskSignalled](domain.Events, 1)
	domain.Register[RiskWithdrawn](domain.Events, 1)
}
