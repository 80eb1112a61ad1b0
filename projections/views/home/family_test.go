package home

import (
	"testing"

	"github.com/iup-platform/iup/projections/projectiontest"
	"github.com/iup-platform/iup/projections/views/sample"
)

// The service runs the four home views as one projection with one fold;
// each view's documents must be exactly those the view writes alone.
func TestFamilyEqualsItsViews(t *testing.T) {
	events := projectiontest.Sample(sample.Config{Schools: 1, ClassesPerGrade: 1, StudentsPerClass: 6, Seed: 11})
	projectiontest.SameAsAlone(t, Projection, views, events)
}
