// Package views lists every view the service keeps. The runtime builds and
// feeds exactly these; a view added to the product is added here.
package views

import (
	"sync"

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

// Projection returns the name of the projection that serves view (or is
// named view), or "" when none does. The API asks on every read, so the
// answer comes from a table made once.
func Projection(view string) string { return serving()[view] }

var serving = sync.OnceValue(func() map[string]string {
	m := map[string]string{}
	for _, p := range All() {
		m[p.Name] = p.Name
		for _, v := range p.Views {
			m[v] = p.Name
		}
	}
	return m
})

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
