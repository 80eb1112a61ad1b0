package runtime

import (
	"context"
	"sync"

	"github.com/google/uuid"

	"github.com/iup-platform/iup/eventstore"
	"github.com/iup-platform/iup/projections"
)

// recentSize bounds the live events kept decoded: more than one bus
// message's worth, so every projection fed the same message finds them.
const recentSize = 4096

// recent keeps the events the live path decoded last, so the projections
// fed the same bus message decode (and unseal) each event once, not once
// each. Decoded events are shared read only, as in a rebuild's pass.
type recent struct {
	mu   sync.Mutex
	byID map[uuid.UUID]projections.Event
	ring []uuid.UUID // insertion order, to forget the oldest
	next int
}

func newRecent() *recent {
	return &recent{byID: make(map[uuid.UUID]projections.Event, recentSize), ring: make([]uuid.UUID, 0, recentSize)}
}

func (c *recent) get(id uuid.UUID) (projections.Event, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	ev, ok := c.byID[id]
	return ev, ok
}

func (c *recent) put(id uuid.UUID, ev projections.Event) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.byID[id]; ok {
		return
	}
	if len(c.ring) < recentSize {
		c.ring = append(c.ring, id)
	} else {
		delete(c.byID, c.ring[c.next])
		c.ring[c.next] = id
		c.next = (c.next + 1) % recentSize
	}
	c.byID[id] = ev
}

// decodeRecent decodes rec, or returns the decoding another projection
// just made of it; retry skips the shared one (a retry decodes afresh).
func (r *Runtime) decodeRecent(ctx context.Context, rec eventstore.RecordedEvent, retry bool) (projections.Event, error) {
	if !retry {
		if ev, ok := r.recent.get(rec.ID); ok {
			return ev, nil
		}
	}
	ev, err := r.decode(ctx, rec)
	if err == nil {
		r.recent.put(rec.ID, ev)
	}
	return ev, err
}
