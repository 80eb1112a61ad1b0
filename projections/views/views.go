// Package views lists every view the service keeps. The runtime builds and
// feeds exactly these; a view added to the product is added here.
package views

import (
	"github.com/iup-platform/iup/projections"
	"github.com/iup-platform/iup/projections/views/audit"
	"github.com/iup-platform/iup/projections/views/home"
	"github.com/iup-platform/iup/projections/views/staff"
)

// All returns every view, in a stable order.
func All() []projections.Projection {
	return []projections.Projection{
		staff.MentorOverview,
		staff.CourseView,
		staff.SchoolLists,
		home.GuardianView,
		home.StudentView,
		home.TermSnapshot,
		home.ConferenceRecord,
		audit.Projection,
	}
}
