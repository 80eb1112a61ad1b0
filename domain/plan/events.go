package plan

import "github.com/iup-platform/iup/domain"

// FieldDef is one field of the template version a plan was made from,
// copied into the plan at creation: the plan keeps its version forever, and
// later template versions do not change it.
type FieldDef struct {
	Key        string        `json:"key"`
	Heading    string        `json:"heading"`
	VisibleTo  []domain.Role `json:"visible_to"`
	EditableBy []domain.Role `json:"editable_by"`
	Sensitive  bool          `json:"sensitive,omitempty"`
}

// Created: a plan was made for a student and term from one template version.
type Created struct {
	PlanID          string         `json:"plan_id"`
	StudentID       string         `json:"student_id"`
	Term            domain.TermRef `json:"term"`
	TemplateID      string         `json:"template_id"`
	TemplateVersion int            `json:"template_version"`
	Title           string         `json:"title"`
	Start           domain.Date    `json:"start"`
	End             domain.Date    `json:"end"`
	Fields          []FieldDef     `json:"fields"`
	OnBehalfOf      string         `json:"on_behalf_of,omitempty"`
}

// FieldSet: the text of one field was written. Sensitive copies the
// template's flag so views warn and never copy the text out of the plan.
// CourseID names the course a teacher wrote as; Reason is set when an admin
// corrected an archived plan.
type FieldSet struct {
	PlanID     string `json:"plan_id"`
	StudentID  string `json:"student_id"`
	Key        string `json:"key"`
	Text       string `json:"text" personal:"true"`
	Sensitive  bool   `json:"sensitive,omitempty"`
	CourseID   string `json:"course_id,omitempty"`
	Reason     string `json:"reason,omitempty" personal:"true"`
	OnBehalfOf string `json:"on_behalf_of,omitempty"`
}

// GoalAdded: a goal of the forward-looking planning (framåtsyftande
// planering) was added: what it is, who acts on it and when it is followed up.
type GoalAdded struct {
	PlanID     string      `json:"plan_id"`
	StudentID  string      `json:"student_id"`
	GoalID     string      `json:"goal_id"`
	Text       string      `json:"text" personal:"true"`
	Owner      Owner       `json:"owner"`
	FollowUp   domain.Date `json:"follow_up"`
	Reason     string      `json:"reason,omitempty" personal:"true"`
	OnBehalfOf string      `json:"on_behalf_of,omitempty"`
}

// GoalEdited: a goal's text, owner or follow-up date changed.
type GoalEdited struct {
	PlanID     string      `json:"plan_id"`
	StudentID  string      `json:"student_id"`
	GoalID     string      `json:"goal_id"`
	Text       string      `json:"text" personal:"true"`
	Owner      Owner       `json:"owner"`
	FollowUp   domain.Date `json:"follow_up"`
	Reason     string      `json:"reason,omitempty" personal:"true"`
	OnBehalfOf string      `json:"on_behalf_of,omitempty"`
}

// GoalEvaluated: a goal was evaluated, normally at the next talk.
type GoalEvaluated struct {
	PlanID     string  `json:"plan_id"`
	StudentID  string  `json:"student_id"`
	GoalID     string  `json:"goal_id"`
	Outcome    Outcome `json:"outcome"`
	Comment    string  `json:"comment,omitempty" personal:"true"`
	Reason     string  `json:"reason,omitempty" personal:"true"`
	OnBehalfOf string  `json:"on_behalf_of,omitempty"`
}

// AgreementsRecorded: the agreements made at a conference were documented in
// the plan. A later record for the same conference replaces the earlier one.
type AgreementsRecorded struct {
	PlanID       string   `json:"plan_id"`
	StudentID    string   `json:"student_id"`
	ConferenceID string   `json:"conference_id"`
	Agreements   []string `json:"agreements" personal:"true"`
	Reason       string   `json:"reason,omitempty" personal:"true"`
	OnBehalfOf   string   `json:"on_behalf_of,omitempty"`
}

// Published: the plan became visible to mentor, teachers, student and
// guardians (after the talk).
type Published struct {
	PlanID     string `json:"plan_id"`
	StudentID  string `json:"student_id"`
	OnBehalfOf string `json:"on_behalf_of,omitempty"`
}

// Unpublished: the plan was hidden from student and guardians again.
type Unpublished struct {
	PlanID     string `json:"plan_id"`
	StudentID  string `json:"student_id"`
	OnBehalfOf string `json:"on_behalf_of,omitempty"`
}

// Archived: the plan is closed; only an admin with a reason edits it after.
type Archived struct {
	PlanID     string `json:"plan_id"`
	StudentID  string `json:"student_id"`
	OnBehalfOf string `json:"on_behalf_of,omitempty"`
}

// LegacyDocumentAttached: an old plan (PDF or Word) was uploaded and is
// referenced here. The file itself lives in the document store, found by
// its SHA-256. It may be the first event of a term's plan stream: old terms
// have no plan made from a template.
type LegacyDocumentAttached struct {
	PlanID     string         `json:"plan_id"`
	StudentID  string         `json:"student_id"`
	Term       domain.TermRef `json:"term"`
	DocumentID string         `json:"document_id"`
	FileName   string         `json:"file_name" personal:"true"`
	MediaType  string         `json:"media_type"`
	Size       int64          `json:"size"`
	SHA256     string         `json:"sha256"`
	Reason     string         `json:"reason,omitempty" personal:"true"`
	OnBehalfOf string         `json:"on_behalf_of,omitempty"`
}

// EventType implements domain.Event.
func (Created) EventType() string { return "plan.created" }

// EventType implements domain.Event.
func (FieldSet) EventType() string { return "plan.field-set" }

// EventType implements domain.Event.
func (GoalAdded) EventType() string { return "plan.goal-added" }

// EventType implements domain.Event.
func (GoalEdited) EventType() string { return "plan.goal-edited" }

// EventType implements domain.Event.
func (GoalEvaluated) EventType() string { return "plan.goal-evaluated" }

// EventType implements domain.Event.
func (AgreementsRecorded) EventType() string { return "plan.agreements-recorded" }

// EventType implements domain.Event.
func (Published) EventType() string { return "plan.published" }

// EventType implements domain.Event.
func (Unpublished) EventType() string { return "plan.unpublished" }

// EventType implements domain.Event.
func (Archived) EventType() string { return "plan.archived" }

// EventType implements domain.Event.
func (LegacyDocumentAttached) EventType() string { return "plan.legacy-document-attached" }

// DataSubject implements domain.DataSubject: field texts are about the student.
func (e FieldSet) DataSubject() string { return e.StudentID }

// DataSubject implements domain.DataSubject.
func (e GoalAdded) DataSubject() string { return e.StudentID }

// DataSubject implements domain.DataSubject.
func (e GoalEdited) DataSubject() string { return e.StudentID }

// DataSubject implements domain.DataSubject.
func (e GoalEvaluated) DataSubject() string { return e.StudentID }

// DataSubject implements domain.DataSubject.
func (e AgreementsRecorded) DataSubject() string { return e.StudentID }

// DataSubject implements domain.DataSubject: file names often name the student.
func (e LegacyDocumentAttached) DataSubject() string { return e.StudentID }

func init() {
	domain.Register[Created](domain.Events, 1)
	domain.Register[FieldSet](domain.Events, 1)
	domain.Register[GoalAdded](domain.Events, 1)
	domain.Register[GoalEdited](domain.Events, 1)
	domain.Register[GoalEvaluated](domain.Events, 1)
	domain.Register[AgreementsRecorded](domain.Events, 1)
	domain.Register[Published](domain.Events, 1)
	domain.Register[Unpublished](domain.Events, 1)
	domain.Register[Archived](domain.Events, 1)
	domain.Register[LegacyDocumentAttached](domain.Events, 1)
}
