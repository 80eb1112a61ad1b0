package views

import (
	"testing"

	"github.com/iup-platform/iup/domain/catalog"
	"github.com/iup-platform/iup/projections/projectiontest"
	"github.com/iup-platform/iup/projections/views/sample"
)

// Every view is listed once, under a unique name, and reads only event types
// the product registers.
func TestEveryViewIsListedOnceAndReadsKnownEvents(t *testing.T) {
	seen := map[string]bool{}
	for _, p := range All() {
		if p.Name == "" || p.Version < 1 || seen[p.Name] {
			t.Errorf("view %q (v%d) is unnamed, unversioned or listed twice", p.Name, p.Version)
		}
		seen[p.Name] = true
		for _, typ := range p.Handles {
			if _, ok := catalog.Events.Version(typ); !ok {
				t.Errorf("%s handles %s, which is not a registered event type", p.Name, typ)
			}
		}
	}
	if len(seen) != 8 {
		t.Fatalf("%d views, want the 8 of the product", len(seen))
	}
}

// Replaying a sample organiser through every view twice gives the same
// bytes: no view reads a clock, a random source or map order.
func TestEveryViewReplaysToTheSameBytes(t *testing.T) {
	h := sample.Generate(sample.Config{Schools: 1, ClassesPerGrade: 1, StudentsPerClass: 4, Seed: 7})
	log := projectiontest.NewLog()
	for _, a := range h {
		log.Add(a.Stream, a.Meta.Now, a.Meta.Actor, a.Events...)
	}
	for _, p := range All() {
		first := projectiontest.View(t, p, log.Events())
		second := projectiontest.View(t, p, log.Events())
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
