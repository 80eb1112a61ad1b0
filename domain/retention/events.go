package retention

import "github.com/iup-platform/iup/domain"

// ScheduleSet: the organiser set its retention schedule (replacing the
// previous one whole).
type ScheduleSet struct {
	Rules []Rule `json:"rules"`
}

// HoldPlaced: culling of the student stops while the case is open.
// Case and Reason are a case reference and why, never personal content:
// they stay readable after the student's data is culled.
type HoldPlaced struct {
	StudentID string `json:"student_id"`
	Case      string `json:"case"`
	Reason    string `json:"reason"`
}

// HoldLifted: the case is closed; culling may proceed when due.
type HoldLifted struct {
	StudentID string `json:"student_id"`
	Case      string `json:"case"`
	Reason    string `json:"reason"`
}

// StudentCulled: the student's content of the named document types was
// destroyed (its data keys), on On, under Rules (one per document type, or
// "erasure" for a lawful erasure). The events that held the content remain
// as shells for the audit trail.
type StudentCulled struct {
	StudentID string      `json:"student_id"`
	DocTypes  []DocType   `json:"doc_types"`
	Rules     []string    `json:"rules"`
	On        domain.Date `json:"on"`
	// Erasure is set for a lawful erasure by an admin; Reason is then its
	// case reference and legal ground (never personal content).
	Erasure bool   `json:"erasure,omitempty"`
	Reason  string `json:"reason,omitempty"`
}

// EventType implements domain.Event.
func (ScheduleSet) EventType() string { return "retention.schedule-set" }

// EventType implements domain.Event.
func (HoldPlaced) EventType() string { return "retention.hold-placed" }

// EventType implements domain.Event.
func (HoldLifted) EventType() string { return "retention.hold-lifted" }

// EventType implements domain.Event.
func (StudentCulled) EventType() string { return "retention.student-culled" }

func init() {
	domain.Register[ScheduleSet](domain.Events, 1)
	domain.Register[HoldPlaced](domain.Events, 1)
	domain.Register[HoldLifted](domain.Events, 1)
	domain.Register[StudentCulled](domain.Events, 1)
}
