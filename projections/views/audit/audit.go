// Package audit is the audit-trail view: who changed what and when, per
// student, per actor and per course, newest first, with before and after
// values for texts and levels.
//
// Trails are stored append-only in fixed pages of PageSize entries, with a
// head document holding the count, so a cursor (an entry index) stays valid
// while new entries arrive. Texts are stored with the (stream, revision) of
// the event that wrote them, and every student keeps a helper index of where
// their texts were copied, so culling a student can blank them all and the
// live view equals a rebuild from the culled log.
package audit

import (
	"strconv"

	"github.com/iup-platform/iup/domain"
	"github.com/iup-platform/iup/projections"
)

// PageSize is the number of entries in one stored page of a trail. Every
// append writes the trail's last page again, so the bytes written grow with
// it: at 50 a municipality's rebuild wrote its audit pages some twenty-five
// times over, two thirds of all it wrote. A read of 50 entries reads its
// five or six pages in one call.
const PageSize = 10

// Kinds of trail.
const (
	KindStudent = "student" // every event that concerns the student
	KindActor   = "actor"   // every event the person recorded
	KindCourse  = "course"  // round and course events of a course
)

// HelperPrefix starts the keys of the view's helper documents (previous
// values, round courses, per-student text index). The API never serves them.
const HelperPrefix = "auditx/"

// Value is a level or text as one event left it, named by that event's
// stream and revision so a cull can find and blank it.
type Value struct {
	Stream   string   `json:"stream"`
	Revision uint64   `json:"revision"`
	Level    string   `json:"level,omitempty"` // a level, self level or goal outcome
	Text     string   `json:"text,omitempty"`
	Texts    []string `json:"texts,omitempty"` // agreements
}

// Entry is one line of a trail.
type Entry struct {
	Position   string      `json:"position"`
	RecordedAt string      `json:"recorded_at"` // RFC 3339, UTC
	Type       string      `json:"type"`
	Stream     string      `json:"stream"`
	Revision   uint64      `json:"revision"`
	ActorID    string      `json:"actor_id"`
	Role       domain.Role `json:"role"`
	OnBehalfOf string      `json:"on_behalf_of,omitempty"`
	StudentID  string      `json:"student_id,omitempty"`
	// StudentIDs lists the students of an event about several (an
	// enrolment), in actor and course trails.
	StudentIDs []string `json:"student_ids,omitempty"`
	CourseID   string   `json:"course_id,omitempty"`
	RoundID    string   `json:"round_id,omitempty"`
	PlanID     string   `json:"plan_id,omitempty"`
	// What names the changed thing: level, comment, self_level,
	// self_comment, field:<key>, goal:<id>, evaluation:<goal id>,
	// agreements:<conference id>, risk:<subject>, guardian:<id>, ...
	What   string `json:"what,omitempty"`
	Before *Value `json:"before,omitempty"`
	After  *Value `json:"after,omitempty"`
	// Amendment is an edit after the term ended (assessment.entry-amended).
	Amendment bool   `json:"amendment,omitempty"`
	Reason    string `json:"reason,omitempty"`
	// Sensitive marks a sensitive plan field: the API shows its texts only
	// to whom the template's field rights allow.
	Sensitive bool `json:"sensitive,omitempty"`
	Culled    bool `json:"culled,omitempty"`
}

// Head is a trail's head document.
type Head struct {
	Count int `json:"count"`
}

// PageDoc is one stored page of a trail, oldest entry first.
type PageDoc struct {
	Entries []Entry `json:"entries"`
}

// Key is the head document of a trail of kind for id.
func Key(tenant, kind, id string) string { return "audit/" + tenant + "/" + kind + "/" + id }

// PageKey is the n-th stored page (from 0) of a trail.
func PageKey(tenant, kind, id string, n int) string { return pageKey(Key(tenant, kind, id), n) }

// pageKey is the n-th page of the trail whose head is at head.
func pageKey(head string, n int) string { return head + "/page/" + strconv.Itoa(n) }

// StudentKey is the head of a student's trail.
func StudentKey(tenant, id string) string { return Key(tenant, KindStudent, id) }

// ActorKey is the head of an actor's trail.
func ActorKey(tenant, id string) string { return Key(tenant, KindActor, id) }

// CourseKey is the head of a course's trail.
func CourseKey(tenant, id string) string { return Key(tenant, KindCourse, id) }

// Helper documents.
func prevKey(tenant, stream string) string { return HelperPrefix + tenant + "/prev/" + stream }
func roundKey(tenant, id string) string    { return HelperPrefix + tenant + "/round/" + id }
func streamsKey(tenant, student string) string {
	return HelperPrefix + tenant + "/student/" + student + "/streams"
}
func slotsKey(tenant, student string, n int) string {
	return HelperPrefix + tenant + "/student/" + student + "/page/" + strconv.Itoa(n)
}

// prevDoc keeps the last value of every field of one stream, so the next
// change knows its "before".
type prevDoc struct {
	Fields map[string]Value `json:"fields"`
}

// roundDoc remembers a round's course: round events name only the round.
type roundDoc struct {
	CourseID string `json:"course_id"`
}

// streamsDoc lists the streams whose previous values hold a student's texts.
type streamsDoc struct {
	Streams []string `json:"streams"`
}

// slot says where the actor-trail copy of a student-trail entry is, and
// whether the event itself carried the student's personal content (so a
// cull marks both copies culled, as a rebuild would).
type slot struct {
	ActorPage string `json:"actor_page,omitempty"`
	Index     int    `json:"index"`
	Personal  bool   `json:"personal,omitempty"`
}

// slotsDoc is parallel to one page of a student's trail.
type slotsDoc struct {
	Slots []slot `json:"slots"`
}

// Name is the audit view's name.
const Name = "audit"

// Projection is the audit view.
var Projection = projections.Projection{
	Name: Name,
	// 2: pages of 10 entries, not 50 (a start rebuilds the stored view).
	Version: 2,
	Handles: handled(),
	Apply:   apply,
}
