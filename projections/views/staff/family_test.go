package staff

import (
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
	projectiontest.SameAsAlone(t, Projection, views, log.Events())
}
