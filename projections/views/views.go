// Package views lists every view the service keeps. The runtime builds and
// feeds exactly these; a view added to the product is added here.
package views

import (
	"github.com/iup-platform/iup/projections"
	"github.com/iup-platform/iup/projections/views/audit"
	"github.com/iup-platform/iup/projections/views/home"
	"github.com/iup-platform/iup/projections/views/staff"
)

// All returns every projection, in a stable order. The staff and the home
// views are each one family projection (see projections.Projection.Views).
func All() []projections.Projection {
	return []projections.Projection{
		staff.Projection,
		home.Projection,
		audit.Projection,
	}
}

// Projection returns the name of the projection that serves view, or ""
// when no projection does.
func Projection(view string) string { return projections.Serving(All(), view) }

// Names returns the name of every view the product serves, in a stable
// order: a family projection's views each by their own name.
func Names() []string {
	var names []string
	for _, p := range All() {
		if len(p.Views) == 0 {
			names = append(names, p.Name)
		}
		names = append(names, p.Views...)
	}
	return names
}
