package staff

import (
	"strings"
	"testing"

	"github.com/iup-platform/iup/projections/projectiontest"
	"github.com/iup-platform/iup/projections/views/sample"
)

// The service runs the three staff views as one projection with one fold;
// each view's documents must be exactly those the view writes alone.
func TestFamilyEqualsItsViews(t *testing.T) {
	log := projectiontest.NewLog()
	for _, a := range sample.Generate(sample.Config{Schools: 1, ClassesPerGrade: 1, StudentsPerClass: 6, Seed: 11}) {
		log.Add(a.Stream, a.Meta.Now, a.Meta.Actor, a.Events...)
	}
	events := log.Events()
	family := projectiontest.View(t, Projection, events)
	for _, p := range views {
		if !Projection.Serves(p.Name) {
			t.Fatalf("the family does not serve %s", p.Name)
		}
		alone := projectiontest.View(t, p, events)
		n := 0
		for k, v := range family {
			if !strings.HasPrefix(k, p.Name+"/") {
				continue
			}
			n++
			if string(alone[k]) != string(v) {
				t.Errorf("%s: %s differs from the view built alone", p.Name, k)
			}
		}
		for k := range served(alone) {
			if _, ok := family[k]; !ok {
				t.Errorf("%s: %s is missing from the family", p.Name, k)
			}
		}
		if n == 0 {
			t.Errorf("%s: the family wrote none of its documents", p.Name)
		}
	}
}
