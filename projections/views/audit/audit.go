// Package audit is the audit-trail view: who changed what and when, per
// student, per actor and per course, newest first, with before and after
// values for texts and levels.
//
// Trails are stored append-only: a head document holds the count and the
// newest entries (the tail), and every PageSize entries the tail is stored
// once as a full page that never changes again, so a cursor (an entry
// index) stays valid while new entries arrive and an append writes one
// document. Texts are stored with the (stream, revision) of the event that
// wrote them, and every student keeps a helper index of where their texts
// were copied, so culling a student can blank them all and the live view
// equals a rebuild from the culled log.
package audit

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/iup-platform/iup/domain"
	"github.com/iup-platform/iup/projections"
)

// PageSize is the number of entries in one stored page of a trail. Every
// append writes the trail's tail again, so the bytes written grow with it:
// at 50 a municipality's rebuild wrote its audit pages some twenty-five
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

// Head is a trail's head document: the count of its entries, and the
// newest Count % PageSize of them, oldest first. Held in the head, not in
// a page of its own, an append changes one document: head and last page
// were two of the five or six documents every event wrote.
type Head struct {
	Count int     `json:"count"`
	Tail  []Entry `json:"tail,omitempty"`
}

// full is the number of full pages stored apart from the head.
func (h Head) full() int { return h.Count / PageSize }

// check reports a head, stored at key, whose tail is out of step with its
// count.
func (h Head) check(key string) error {
	if want := h.Count % PageSize; len(h.Tail) != want {
		return fmt.Errorf("audit: %s has %d entries in its tail, want %d", key, len(h.Tail), want)
	}
	return nil
}

// PageDoc is one full stored page of a trail, oldest entry first.
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
func personalKey(tenant, student string) string {
	return HelperPrefix + tenant + "/student/" + student + "/personal"
}

// prevDoc keeps the last value of every field of one stream, so the next
// change knows its "before". A slice sorted by field, not a map: it is
// copied on every change of the stream, and a map's copy and its encoding
// (keys sorted each time) were a tenth of the audit's fold.
type prevDoc struct {
	Fields []fieldValue `json:"fields"`
}

// fieldValue is one field's last value.
type fieldValue struct {
	Field string `json:"field"`
	Value
}

// find returns where field is, or would be, in d.Fields.
func (d *prevDoc) find(field string) (int, bool) {
	return slices.BinarySearchFunc(d.Fields, field, func(f fieldValue, field string) int { return strings.Compare(f.Field, field) })
}

// set records v as field's last value. d.Fields must be d's own (a copy
// of what was read), since it changes in place.
func (d *prevDoc) set(field string, v Value) {
	if i, ok := d.find(field); ok {
		d.Fields[i].Value = v
	} else {
		d.Fields = slices.Insert(d.Fields, i, fieldValue{Field: field, Value: v})
	}
}

// roundDoc remembers a round's course: round events name only the round.
type roundDoc struct {
	CourseID string `json:"course_id"`
}

// streamsDoc lists the streams whose previous values hold a student's texts.
type streamsDoc struct {
	Streams []string `json:"streams"`
}

// personalDoc lists, in order, the entries of a student's trail whose event
// carried the student's personal content, so a cull marks them and their
// actor-trail copies culled, as a rebuild from the culled log would. Where
// the copies are, the cull finds by position: an actor's trail is in log
// order.
type personalDoc struct {
	Entries []int `json:"entries"`
}

// Name is the audit view's name.
const Name = "audit"

// Projection is the audit view.
var Projection = projections.Projection{
	Name: Name,
	// 2: pages of 10 entries, not 50 (a start rebuilds the stored view).
	// 3: the tail in the head, previous values as a list, and only the
	// personal entries noted for a cull.
	Version: 3,
	Handles: handled(),
	Apply:   apply,
}
