package home

import (
	"github.com/iup-platform/iup/domain"
	"github.com/iup-platform/iup/projections"
)

// studentView renders the students' view: per student (StudentKey) the published
// plans with the fields the student may see, published omdömen with the
// student's own self-assessments, and talks; never a support matter unless
// the organiser's setting recorded at the talk allowed it.
func studentView(tx projections.Tx, t string, d *dirty) error {
	for _, s := range sortedKeys(d.students) {
		key := StudentKey(t, s)
		err := projections.Defer(tx, key, func(tx projections.Tx) error {
			c, err := renderChild(tx, t, s, domain.RoleStudent)
			if err != nil {
				return err
			}
			return projections.PutJSON(tx, key, c)
		})
		if err != nil {
			return err
		}
	}
	return nil
}
