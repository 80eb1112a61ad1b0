package projections_test

import (
	"encoding/json"
	"testing"

	"github.com/iup-platform/iup/projections"
	"github.com/iup-platform/iup/projections/projectiontest"
	"github.com/iup-platform/iup/projections/views"
	"github.com/iup-platform/iup/projections/views/sample"
)

// Every view's documents, replayed from a sample organiser's year, are
// byte-equal whether the fast encoder or encoding/json writes them: a
// view stored by an older build compares equal to a rebuild.
func TestEveryViewEncodesAsEncodingJSONWould(t *testing.T) {
	events := projectiontest.Sample(sample.Config{Schools: 1, ClassesPerGrade: 1, StudentsPerClass: 2, Seed: 3})
	for _, p := range views.All() {
		fast := projectiontest.View(t, p, events)
		restore := projections.UseJSON(json.Marshal, json.Unmarshal)
		std := projectiontest.View(t, p, events)
		restore()
		if len(std) == 0 || len(fast) != len(std) {
			t.Fatalf("%s: %d documents, encoding/json wrote %d", p.Name, len(fast), len(std))
		}
		for k, v := range std {
			if string(fast[k]) != string(v) {
				t.Fatalf("%s: %s = %s, encoding/json wrote %s", p.Name, k, fast[k], v)
			}
		}
	}
}
