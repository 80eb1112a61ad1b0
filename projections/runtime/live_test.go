package runtime_test

import (
	"testing"

	"github.com/iup-platform/iup/projections/memstore"
)

func TestLiveViewsEqualACleanBuild(t *testing.T) {
	events := openEvents(t)
	w := newWriter(t, events, 1)
	w.append(300) // built at start
	s := start(t, events, memstore.New(), counter, relationsView)
	last := w.append(2000) // live, through the bus
	waitFor(t, s.rt, "counter", last)
	waitFor(t, s.rt, "relations", last)
	sameDocuments(t, "counter", activeDocuments(t, s.views, "counter"), cleanBuild(t, events, counter))
	sameDocuments(t, "relations", activeDocuments(t, s.views, "relations"), cleanBuild(t, events, relationsView))
	if got := metric(t, s.reg, "iup_projection_applied_total", "counter"); got != 2300 {
		t.Fatalf("applied_total = %v, want 2300", got)
	}
}
