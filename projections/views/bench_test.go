package views

import (
	"fmt"
	"testing"

	"github.com/iup-platform/iup/projections/projectiontest"
	"github.com/iup-platform/iup/projections/views/sample"
)

// BenchmarkViewReplay replays a sample school year through each view alone
// (one overlay, documents kept decoded, encoded every 97 events as the
// runtime's batches would). Two sizes show whether a view's cost per event
// grows with the school: it must not.
//
//	go test -run '^$' -bench ViewReplay ./projections/views/
func BenchmarkViewReplay(b *testing.B) {
	for _, classes := range []int{1, 2} {
		h := sample.Generate(sample.Config{Schools: 1, ClassesPerGrade: classes, StudentsPerClass: 25, Seed: 7})
		log := projectiontest.NewLog()
		for _, a := range h {
			log.Add(a.Stream, a.Meta.Now, a.Meta.Actor, a.Events...)
		}
		evs := log.Events()
		for _, p := range All() {
			b.Run(fmt.Sprintf("%s/classes=%d", p.Name, classes), func(b *testing.B) {
				for range b.N {
					projectiontest.View(b, p, evs)
				}
				b.ReportMetric(float64(len(evs)*b.N)/b.Elapsed().Seconds(), "events/s")
			})
		}
	}
}
