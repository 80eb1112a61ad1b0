package runtime

import (
	"testing"

	"github.com/google/uuid"

	"github.com/iup-platform/iup/projections"
)

// The live path's decoded events are kept for the other projections of
// the same message, and the oldest are forgotten past recentSize.
func TestRecentKeepsTheLastDecodedEvents(t *testing.T) {
	c := newRecent()
	ids := make([]uuid.UUID, recentSize+10)
	for i := range ids {
		ids[i] = uuid.New()
		c.put(ids[i], projections.Event{ID: ids[i].String()})
	}
	for i, id := range ids {
		ev, ok := c.get(id)
		if old := i < 10; ok == old || ok && ev.ID != id.String() {
			t.Fatalf("event %d of %d: kept %v (%q)", i, len(ids), ok, ev.ID)
		}
	}
	if len(c.byID) != recentSize {
		t.Fatalf("%d events kept, bound %d", len(c.byID), recentSize)
	}
}
