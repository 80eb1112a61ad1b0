package views

import (
	"testing"

	"github.com/iup-platform/iup/domain/catalog"
	"github.com/iup-platform/iup/projections/projectiontest"
	"github.com/iup-platform/iup/projections/views/audit"
	"github.com/iup-platform/iup/projections/views/home"
	"github.com/iup-platform/iup/projections/views/sample"
	"github.com/iup-platform/iup/projections/views/staff"
)

// Every projection is listed once, under a unique name, reads only event
// types the product registers, and every view of the product is served by
// exactly one projection.
func TestEveryViewIsListedOnceAndReadsKnownEvents(t *testing.T) {
	seen := map[string]bool{}
	served := map[string]string{}
	for _, p := range All() {
		if p.Name == "" || p.Version < 1 || seen[p.Name] {
			t.Errorf("projection %q (v%d) is unnamed, unversioned or listed twice", p.Name, p.Version)
		}
		seen[p.Name] = true
		vs := p.Views
		if len(vs) == 0 {
			vs = []string{p.Name}
		}
		for _, v := range vs {
			if other, dup := served[v]; dup {
				t.Errorf("view %s is served by %s and %s", v, other, p.Name)
			}
			served[v] = p.Name
		}
		for _, typ := range p.Handles {
			if _, ok := catalog.Events.Version(typ); !ok {
				t.Errorf("%s handles %s, which is not a registered event type", p.Name, typ)
			}
		}
	}
	product := []string{staff.MentorOverviewName, staff.CourseViewName, staff.SchoolListsName,
		home.GuardianViewName, home.StudentViewName, home.TermSnapshotName, home.ConferenceRecordName, audit.Name}
	if len(served) != len(product) {
		t.Errorf("%d views served (%v), want the %d of the product", len(served), served, len(product))
	}
	for _, v := range product {
		if Projection(v) == "" || Projection(v) != served[v] {
			t.Errorf("view %s: Projection says %q, the list says %q", v, Projection(v), served[v])
		}
	}
}

// Replaying a sample organiser through every view twice gives the same
// bytes: no view reads a clock, a random source or map order.
func TestEveryViewReplaysToTheSameBytes(t *testing.T) {
	events := projectiontest.Sample(sample.Config{Schools: 1, ClassesPerGrade: 1, StudentsPerClass: 4, Seed: 7})
	for _, p := range All() {
		first := projectiontest.View(t, p, events)
		second := projectiontest.View(t, p, events)
		if len(first) == 0 {
			t.Errorf("%s built nothing from a whole school year", p.Name)
		}
		for k, v := range first {
			if string(second[k]) != string(v) {
				t.Errorf("%s: %s differs between two replays", p.Name, k)
			}
		}
	}
}

// A store read that fails mid-event rolls the event back and the runtime
// applies it again: every view then holds the same bytes as when nothing
// failed. Most events fail partway, after they changed documents they had
// read.
func TestEveryViewIsTheSameWhenReadsFailMidEvent(t *testing.T) {
	events := projectiontest.Sample(sample.Config{Schools: 1, ClassesPerGrade: 1, StudentsPerClass: 4, Seed: 7})
	for _, p := range All() {
		projectiontest.SameWhenReadsFail(t, p, events)
	}
}
