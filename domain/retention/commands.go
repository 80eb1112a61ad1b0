package retention

import "github.com/iup-platform/iup/domain"

// Limits on text input, in characters.
const (
	MaxCase   = 100
	MaxReason = 1000
)

// SetSchedule replaces the organiser's retention schedule (admin only).
type SetSchedule struct {
	domain.Meta
	Rules []Rule
}

// StudentCommand is a command on one student's retention stream.
type StudentCommand interface {
	domain.Command
	studentID() string
}

// PlaceHold stops culling of the student while a case is open (admin only).
type PlaceHold struct {
	domain.Meta
	StudentID, Case, Reason string
}

// LiftHold ends a hold (admin only).
type LiftHold struct {
	domain.Meta
	StudentID, Case, Reason string
}

// Cull culls what is due for the student today (the service's daily job,
// role system, or an admin running it by hand).
type Cull struct {
	domain.Meta
	StudentID string
	Facts     CullFacts
}

// CullFacts are what the culling decision reads from other aggregates.
type CullFacts struct {
	Schedule Schedule
	LeftOn   domain.Date // first day outside the organiser; zero = still a student
	Today    domain.Date // in the organiser's time zone
}

// Erase is a lawful erasure: every document of the student and their
// identity are culled at once, by an admin, with a reason.
type Erase struct {
	domain.Meta
	StudentID string
	Reason    string
	Today     domain.Date
}

func (c PlaceHold) studentID() string { return c.StudentID }
func (c LiftHold) studentID() string  { return c.StudentID }
func (c Cull) studentID() string      { return c.StudentID }
func (c Erase) studentID() string     { return c.StudentID }

// Stream categories; each ends before the first '-'.
const (
	scheduleCategory = "retentionschedule"
	studentCategory  = "retention"
)

// ScheduleStream is the organiser's one schedule stream.
func ScheduleStream(tenant string) string {
	return domain.StreamName(scheduleCategory, tenant, "schedule")
}

// StudentStream is the retention stream of one student: holds and cullings.
func StudentStream(tenant, studentID string) string {
	return domain.StreamName(studentCategory, tenant, studentID)
}
