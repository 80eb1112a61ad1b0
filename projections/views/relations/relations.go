// Package relations keeps, inside a view's own namespace, the roster and
// setup facts the view needs to place an event: who mentors a student, who
// the student's guardians are (with dates and restrictions), which course
// belongs to which subject and term, which fields a template lets a role
// see. Every view that needs them calls Apply first; the documents live
// under "rel/" and are never served.
//
// Dates are kept as dates: whether a relation holds is judged by the reader
// against today's date, since a projection may not read a clock.
package relations

import (
	"fmt"
	"slices"

	"github.com/iup-platform/iup/domain"
	"github.com/iup-platform/iup/domain/roster"
	"github.com/iup-platform/iup/domain/setup"
	"github.com/iup-platform/iup/projections"
)

// Period is a relation with a start and an exclusive end (zero = open).
type Period struct {
	ID   string      `json:"id"`
	From domain.Date `json:"from"`
	To   domain.Date `json:"to"`
}

// HoldsOn reports whether the period covers day d.
func (p Period) HoldsOn(d domain.Date) bool {
	return !d.Before(p.From) && (p.To.IsZero() || d.Before(p.To))
}

// GuardianLink is one guardian relation of a student.
type GuardianLink struct {
	Period
	Relation string `json:"relation"`
}

// Student is what views know of a student.
type Student struct {
	ID          string         `json:"id"`
	Name        string         `json:"name"` // personal: empty once culled
	SchoolID    string         `json:"school_id"`
	Grade       int            `json:"grade"`
	SchoolForm  string         `json:"school_form"`
	GradesGiven bool           `json:"grades_given"`
	Protected   bool           `json:"protected"` // protected identity: readers show a placeholder
	LeftOn      domain.Date    `json:"left_on"`
	Mentors     []Period       `json:"mentors"`
	Guardians   []GuardianLink `json:"guardians"`
	// Restrictions are periods of secrecy towards one guardian (ID is the
	// guardian's); other guardians are not affected.
	Restrictions []Period `json:"restrictions"`
	Courses      []string `json:"courses"`
}

// Course is what views know of a course.
type Course struct {
	ID        string         `json:"id"`
	SchoolID  string         `json:"school_id"`
	Subject   string         `json:"subject"`
	Name      string         `json:"name"`
	Term      domain.TermRef `json:"term"`
	WholeYear bool           `json:"whole_year"`
	Teachers  []Period       `json:"teachers"`
	Students  []Period       `json:"students"`
}

// Person is a staff member or a guardian, and the students they relate to.
type Person struct {
	ID       string   `json:"id"`
	Name     string   `json:"name"` // personal
	Students []string `json:"students"`
}

// Template keeps every version of a plan template.
type Template struct {
	ID       string                  `json:"id"`
	Versions []setup.TemplateVersion `json:"versions"`
}

// Version returns template version v.
func (t Template) Version(v int) (setup.TemplateVersion, bool) {
	for _, tv := range t.Versions {
		if tv.Version == v {
			return tv, true
		}
	}
	return setup.TemplateVersion{}, false
}

// Organiser holds the organiser-wide settings views need.
type Organiser struct {
	ShowSupportToHome bool   `json:"show_support_to_home"`
	TimeZone          string `json:"time_zone"`
}

// Keys of the relation documents.
func StudentKey(tenant, id string) string    { return "rel/" + tenant + "/student/" + id }
func CourseKey(tenant, id string) string     { return "rel/" + tenant + "/course/" + id }
func StaffKey(tenant, id string) string      { return "rel/" + tenant + "/staff/" + id }
func GuardianKey(tenant, id string) string   { return "rel/" + tenant + "/guardian/" + id }
func TemplateKey(tenant, id string) string   { return "rel/" + tenant + "/template/" + id }
func OrganiserKey(tenant string) string      { return "rel/" + tenant + "/organiser" }
func SchoolYearKey(tenant, id string) string { return "rel/" + tenant + "/schoolyear/" + id }

// SchoolYear is a school year's terms.
type SchoolYear struct {
	ID       string       `json:"id"`
	SchoolID string       `json:"school_id"`
	Terms    []setup.Term `json:"terms"`
}

// Handles lists the event types Apply reads.
var Handles = []string{
	roster.StudentRegistered{}.EventType(), roster.StudentRenamed{}.EventType(),
	roster.StudentDetailsChanged{}.EventType(), roster.StudentProtectionChanged{}.EventType(),
	roster.StudentMoved{}.EventType(), roster.StudentLeft{}.EventType(),
	roster.GuardianLinked{}.EventType(), roster.GuardianUnlinked{}.EventType(),
	roster.GuardianRestricted{}.EventType(), roster.GuardianRestrictionLifted{}.EventType(),
	roster.MentorAssigned{}.EventType(), roster.MentorEnded{}.EventType(),
	roster.StaffRegistered{}.EventType(), roster.StaffRenamed{}.EventType(),
	roster.GuardianRegistered{}.EventType(), roster.GuardianRenamed{}.EventType(),
	roster.CourseCreated{}.EventType(), roster.CourseTeacherAssigned{}.EventType(),
	roster.CourseTeacherEnded{}.EventType(), roster.StudentsEnrolled{}.EventType(),
	roster.StudentsUnenrolled{}.EventType(),
	setup.TemplateVersionCreated{}.EventType(), setup.SupportVisibilitySet{}.EventType(),
	setup.TimeZoneSet{}.EventType(), setup.SchoolYearCreated{}.EventType(), setup.TermDatesChanged{}.EventType(),
}

// With returns the view's own handled types plus the relation types.
func With(types ...string) []string {
	out := slices.Clone(Handles)
	for _, t := range types {
		if !slices.Contains(out, t) {
			out = append(out, t)
		}
	}
	return out
}

// load reads a document, or returns zero when there is none.
func load[T any](tx projections.Tx, key string) (T, bool, error) {
	var v T
	ok, err := projections.GetJSON(tx, key, &v)
	return v, ok, err
}

// Load reads the relation document at key (StudentKey, CourseKey, ...).
func Load[T any](tx projections.Tx, key string) (T, bool, error) { return load[T](tx, key) }

// addSorted inserts id into a sorted set of ids.
func addSorted(ids []string, id string) []string {
	i, found := slices.BinarySearch(ids, id)
	if found {
		return ids
	}
	return slices.Insert(slices.Clip(ids), i, id) // a new array: ids may share it with a rolled-back version
}

// endPeriod returns ps with the open period of id closed from day d, in a
// new array: ps is a document's, whose array the overlay shares with the
// version a failed event is rolled back to.
func endPeriod(ps []Period, id string, d domain.Date) []Period {
	ps = slices.Clone(ps)
	for i := range ps {
		if ps[i].ID == id && ps[i].To.IsZero() {
			ps[i].To = d
		}
	}
	return ps
}

// tenantOf is the tenant an event belongs to.
func tenantOf(ev projections.Event) (string, error) {
	if ev.Actor.Tenant == "" {
		return "", fmt.Errorf("event %s at %s has no tenant", ev.Event.EventType(), ev.Position)
	}
	return ev.Actor.Tenant, nil
}
