package assessment

import (
	"time"

	"github.com/iup-platform/iup/domain"
)

// ScaleStep is one step of a scale (bedömningsskala), copied into the round
// at creation so later decisions need not reload the scale.
type ScaleStep struct {
	Key   string `json:"key"`
	Label string `json:"label"`
}

// RoundCreated: a teacher (or an admin on a teacher's behalf) opened an
// assessment round for a course and a term. The term is fixed here.
type RoundCreated struct {
	RoundID        string         `json:"round_id"`
	CourseID       string         `json:"course_id"`
	Term           domain.TermRef `json:"term"`
	Title          string         `json:"title"`
	ScaleID        string         `json:"scale_id"`
	Steps          []ScaleStep    `json:"steps,omitempty"`
	FreeText       bool           `json:"free_text"` // no levels, comments only
	SelfAssessment bool           `json:"self_assessment"`
	OnBehalfOf     string         `json:"on_behalf_of,omitempty"`
}

// RoundPublished: the round becomes visible to students and guardians at
// PublishAt (UTC): now, or later when scheduled.
type RoundPublished struct {
	RoundID    string    `json:"round_id"`
	PublishAt  time.Time `json:"publish_at"`
	OnBehalfOf string    `json:"on_behalf_of,omitempty"`
}

// RoundUnpublished: the round is hidden again (or a scheduled publication
// is cancelled).
type RoundUnpublished struct {
	RoundID    string `json:"round_id"`
	OnBehalfOf string `json:"on_behalf_of,omitempty"`
}

// RoundSelfAssessmentChanged: students may (or may no longer) self-assess.
type RoundSelfAssessmentChanged struct {
	RoundID    string `json:"round_id"`
	Allowed    bool   `json:"allowed"`
	OnBehalfOf string `json:"on_behalf_of,omitempty"`
}

// EntryLevelSet: a teacher set (or cleared, with "") a student's level
// before the round's term ended.
type EntryLevelSet struct {
	RoundID    string `json:"round_id"`
	StudentID  string `json:"student_id"`
	Level      string `json:"level"`
	OnBehalfOf string `json:"on_behalf_of,omitempty"`
}

// EntryCommentSet: a teacher wrote a student's comment before the round's
// term ended.
type EntryCommentSet struct {
	RoundID    string `json:"round_id"`
	StudentID  string `json:"student_id"`
	Comment    string `json:"comment" personal:"true"`
	OnBehalfOf string `json:"on_behalf_of,omitempty"`
}

// SelfLevelSet: the student rated themself (självskattning) on the round's
// scale before the term ended.
type SelfLevelSet struct {
	RoundID   string `json:"round_id"`
	StudentID string `json:"student_id"`
	Level     string `json:"level"`
}

// SelfCommentSet: the student wrote their own comment (självutvärdering)
// before the term ended.
type SelfCommentSet struct {
	RoundID   string `json:"round_id"`
	StudentID string `json:"student_id"`
	Comment   string `json:"comment" personal:"true"`
}

// Entry fields an amendment can change.
const (
	FieldLevel       = "level"
	FieldComment     = "comment"
	FieldSelfLevel   = "self_level"
	FieldSelfComment = "self_comment"
)

// EntryAmended: a field of an entry changed after the round's term ended. It
// carries the reason and the new value, and the round's term, which the edit
// does not change (an HT entry edited in February stays HT).
type EntryAmended struct {
	RoundID    string         `json:"round_id"`
	StudentID  string         `json:"student_id"`
	Term       domain.TermRef `json:"term"`
	Field      string         `json:"field"`
	Level      string         `json:"level,omitempty"`
	Comment    string         `json:"comment,omitempty" personal:"true"`
	Reason     string         `json:"reason" personal:"true"`
	OnBehalfOf string         `json:"on_behalf_of,omitempty"`
}

// EntryWithdrawn: the teacher's level and comment were written for the wrong
// student and are withdrawn. The student's self-assessment stays.
type EntryWithdrawn struct {
	RoundID    string `json:"round_id"`
	StudentID  string `json:"student_id"`
	Reason     string `json:"reason" personal:"true"`
	OnBehalfOf string `json:"on_behalf_of,omitempty"`
}

// EventType implements domain.Event.
func (RoundCreated) EventType() string { return "assessment.round-created" }

// EventType implements domain.Event.
func (RoundPublished) EventType() string { return "assessment.round-published" }

// EventType implements domain.Event.
func (RoundUnpublished) EventType() string { return "assessment.round-unpublished" }

// EventType implements domain.Event.
func (RoundSelfAssessmentChanged) EventType() string {
	return "assessment.round-self-assessment-changed"
}

// EventType implements domain.Event.
func (EntryLevelSet) EventType() string { return "assessment.entry-level-set" }

// EventType implements domain.Event.
func (EntryCommentSet) EventType() string { return "assessment.entry-comment-set" }

// EventType implements domain.Event.
func (SelfLevelSet) EventType() string { return "assessment.entry-self-level-set" }

// EventType implements domain.Event.
func (SelfCommentSet) EventType() string { return "assessment.entry-self-comment-set" }

// EventType implements domain.Event.
func (EntryAmended) EventType() string { return "assessment.entry-amended" }

// EventType implements domain.Event.
func (EntryWithdrawn) EventType() string { return "assessment.entry-withdrawn" }

// DataSubject implements domain.DataSubject: the comment is about the student.
func (e EntryCommentSet) DataSubject() string { return e.StudentID }

// DataSubject implements domain.DataSubject.
func (e SelfCommentSet) DataSubject() string { return e.StudentID }

// DataSubject implements domain.DataSubject.
func (e EntryAmended) DataSubject() string { return e.StudentID }

// DataSubject implements domain.DataSubject.
func (e EntryWithdrawn) DataSubject() string { return e.StudentID }

func init() {
	domain.Register[RoundCreated](domain.Events, 1)
	domain.Register[RoundPublished](domain.Events, 1)
	domain.Register[RoundUnpublished](domain.Events, 1)
	domain.Register[RoundSelfAssessmentChanged](domain.Events, 1)
	domain.Register[EntryLevelSet](domain.Events, 1)
	domain.Register[EntryCommentSet](domain.Events, 1)
	domain.Register[SelfLevelSet](domain.Events, 1)
	domain.Register[SelfCommentSet](domain.Events, 1)
	domain.Register[EntryAmended](domain.Events, 1)
	domain.Register[EntryWithdrawn](domain.Events, 1)
	domain.Register[EntryIndexed](domain.Events, 1)
}
