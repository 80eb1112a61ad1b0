package sqlite

import (
	"sync"

	"github.com/iup-platform/iup/eventstore"
)

// streamCache keeps the leading events of recently read streams, so a
// command that folds the same stream again (the entry handler loads an entry
// twice; every entry command loads the course, round and organiser) reads
// only what was appended since, one empty index seek when nothing was.
//
// It is never stale: stored events never change and a stream's revisions are
// 0, 1, 2, ... without gaps, so a cached prefix stays true forever, and every
// read that reaches past it asks the file for the rest, which also sees
// appends by another Store handle or process on the same file. It holds the
// events as stored (sealed content stays sealed), so culling a key still
// culls what is decoded from the cache.
type streamCache struct {
	mu      sync.Mutex
	streams map[string][]eventstore.RecordedEvent // events[i].Revision == i
	size    int
	max     int // bytes, roughly; 0 turns the cache off
}

// cachedEventOverhead approximates an event's size besides its data and
// metadata strings: the struct, the map entry's share, the slice slot.
const cachedEventOverhead = 256

func newStreamCache(maxBytes int) *streamCache {
	return &streamCache{streams: map[string][]eventstore.RecordedEvent{}, max: maxBytes}
}

// prefix returns the cached leading events of stream (not to be modified).
func (c *streamCache) prefix(stream string) []eventstore.RecordedEvent {
	if c.max == 0 {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.streams[stream]
}

// extend records that stream's events from revision len(base) on are more:
// base is what prefix returned, more was read after it. If another reader
// extended the stream meanwhile, its longer prefix stays.
func (c *streamCache) extend(stream string, base, more []eventstore.RecordedEvent) {
	if c.max == 0 || len(more) == 0 || more[0].Revision != uint64(len(base)) {
		return
	}
	add := eventsSize(more)
	if eventsSize(base)+add > c.max/8 {
		return // one long stream must not push out all the others
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if cur := c.streams[stream]; len(cur) != len(base) {
		return
	}
	for c.size+add > c.max && len(c.streams) > 0 {
		for s, evs := range c.streams { // map order: an arbitrary victim
			c.size -= eventsSize(evs)
			delete(c.streams, s)
			break
		}
	}
	// A full slice: the next extend copies instead of writing into an array
	// that a reader may be copying from.
	next := make([]eventstore.RecordedEvent, 0, len(base)+len(more))
	c.streams[stream] = append(append(next, base...), copyEvents(more)...)
	c.size += add
}

// bytes is what the cache holds, as it counts it.
func (c *streamCache) bytes() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.size
}

func eventsSize(evs []eventstore.RecordedEvent) int {
	n := 0
	for i := range evs {
		n += cachedEventOverhead + len(evs[i].Data) + len(evs[i].Stream) + len(evs[i].Type) + metadataSize(evs[i].Metadata)
	}
	return n
}

// metadataSize is what an event's metadata holds: its fields are slices of
// one string, the stored JSON, so the keys and the recording time count too
// (counting the fields alone left a third of a cached event uncounted).
func metadataSize(m eventstore.Metadata) int {
	n := len(`{"recorded_at":"2006-01-02T15:04:05.999999999Z"}`)
	for _, f := range [...]struct {
		key, val string
	}{
		{"tenant", m.Tenant}, {"actor_id", m.ActorID}, {"actor_role", m.ActorRole}, {"on_behalf_of", m.OnBehalfOf},
		{"correlation_id", m.CorrelationID}, {"causation_id", m.CausationID}, {"request_id", m.RequestID},
		{"content_hash", m.ContentHash}, {"prev_hash", m.PrevHash},
	} {
		if f.val != "" {
			n += len(f.key) + len(f.val) + len(`"":"",`)
		}
	}
	return n
}

// copyEvents gives the caller its own events: the structs and the data bytes
// (one allocation for all of them), so nothing it does reaches the cache.
func copyEvents(evs []eventstore.RecordedEvent) []eventstore.RecordedEvent {
	out := make([]eventstore.RecordedEvent, len(evs))
	copy(out, evs)
	n := 0
	for i := range evs {
		n += len(evs[i].Data)
	}
	buf := make([]byte, 0, n)
	for i := range out {
		start := len(buf)
		buf = append(buf, evs[i].Data...)
		out[i].Data = buf[start:len(buf):len(buf)]
	}
	return out
}
