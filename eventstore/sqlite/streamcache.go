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
//
// With a sole writer (WithSoleWriter: no other process appends) it is also
// complete: the writer adds each commit's events to the streams it holds
// before it answers the appends, so a cached stream is the whole stream
// and a read of it asks the file nothing. A reader that read a stream from
// the file puts it in only if no commit to that stream came in between:
// else it might put back the stream without the commit's events. (Refusing
// it after any commit, at a few hundred commits a second, kept the hot
// streams out of the cache, and each read read them whole.)
type streamCache struct {
	mu       sync.Mutex
	streams  map[string]*cachedStream
	size     int
	max      int // bytes, roughly; 0 turns the cache off
	complete bool
	gen      uint64            // commits seen (complete only)
	touched  map[string]uint64 // stream -> the last commit to it, of the recent ones
	floor    uint64            // commits at or before it are no longer in touched
	// heads is how many events streams have, of those whose end a commit
	// or a read saw (complete only): a fold that starts from a kept state
	// reads from past the end, and is answered without asking the file
	// (which takes two queries when nothing is there).
	heads map[string]uint64
}

// maxHeads bounds heads: a stream's entry is its name and a number, so this
// is some tens of megabytes at most.
const maxHeads = 1 << 18

// cachedStream is one stream's leading events (evs[i].Revision == i) and
// their size as eventsSize counts it. Events are only ever appended, under
// the cache's lock, past the length any reader was given: a reader copies
// its prefix without the lock while the array grows beyond it.
type cachedStream struct {
	evs  []eventstore.RecordedEvent
	size int
}

// touchedSpan is how many commits touched remembers, at least: a read that
// took longer than that many commits is not put in the cache.
const touchedSpan = 1024

// cachedEventOverhead approximates an event's size besides its data and
// metadata strings: the struct, the map entry's share, the slice slot.
const cachedEventOverhead = 256

func newStreamCache(maxBytes int, complete bool) *streamCache {
	return &streamCache{streams: map[string]*cachedStream{}, max: maxBytes, complete: complete, touched: map[string]uint64{},
		heads: map[string]uint64{}}
}

// head returns how many events stream has, when the cache knows.
func (c *streamCache) head(stream string) (uint64, bool) {
	if !c.complete || c.max == 0 {
		return 0, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	n, ok := c.heads[stream]
	return n, ok
}

// sawHead records that a read saw stream end after n events (n > 0), unless
// a commit to it came in after gen, what prefix returned before the read.
func (c *streamCache) sawHead(stream string, n, gen uint64) {
	if !c.complete || c.max == 0 || n == 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen < c.floor || c.touched[stream] > gen {
		return
	}
	c.setHead(stream, n)
}

// setHead records a stream's length (c.mu held), making room by forgetting
// arbitrary streams when heads is full.
func (c *streamCache) setHead(stream string, n uint64) {
	if _, ok := c.heads[stream]; !ok && len(c.heads) >= maxHeads {
		drop := maxHeads / 8
		for s := range c.heads { // map order: arbitrary victims
			if drop--; drop < 0 {
				break
			}
			delete(c.heads, s)
		}
	}
	c.heads[stream] = n
}

// prefix returns the cached leading events of stream (not to be modified),
// whether they are the whole stream, and the commits seen so far, for
// extend.
func (c *streamCache) prefix(stream string) (evs []eventstore.RecordedEvent, whole bool, gen uint64) {
	if c.max == 0 {
		return nil, false, 0
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if e := c.streams[stream]; e != nil {
		evs = e.evs
	}
	return evs, c.complete && len(evs) > 0, c.gen
}

// extend records that stream's events from revision len(base) on are more:
// base is what prefix returned, more was read after it, and gen is what
// prefix returned with base. If another reader extended the stream
// meanwhile, its longer prefix stays.
func (c *streamCache) extend(stream string, base, more []eventstore.RecordedEvent, gen uint64) {
	if c.max == 0 || len(more) == 0 || more[0].Revision != uint64(len(base)) {
		return
	}
	add := eventsSize(more)
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.complete && (gen < c.floor || c.touched[stream] > gen) {
		return // a commit to it came in between: more may lack its events
	}
	e := c.streams[stream]
	if e == nil && len(base) > 0 || e != nil && len(e.evs) != len(base) {
		return
	}
	c.append(stream, e, more, add)
}

// append adds more (add bytes) to stream's entry e (nil: a new one), or
// drops the entry when one stream would hold more than an eighth of the
// cache, so one long stream cannot push out all the others (c.mu held).
func (c *streamCache) append(stream string, e *cachedStream, more []eventstore.RecordedEvent, add int) {
	if e == nil {
		e = &cachedStream{}
	}
	if e.size+add > c.max/8 {
		c.remove(stream)
		return
	}
	for c.size+add > c.max {
		victim := ""
		for s := range c.streams { // map order: an arbitrary victim
			if s != stream {
				victim = s
				break
			}
		}
		if victim == "" {
			break
		}
		c.remove(victim)
	}
	c.streams[stream] = e
	e.evs = append(e.evs, copyEvents(more)...)
	e.size += add
	c.size += add
}

func (c *streamCache) remove(stream string) {
	if e := c.streams[stream]; e != nil {
		c.size -= e.size
		delete(c.streams, stream)
	}
}

// committed adds a commit's events, by stream, to the streams the cache
// holds (complete only); the writer calls it before answering the appends.
func (c *streamCache) committed(appended map[string][]eventstore.RecordedEvent) {
	if !c.complete || c.max == 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	if c.gen%touchedSpan == 0 {
		c.floor = c.gen - touchedSpan
		for st, g := range c.touched {
			if g <= c.floor {
				delete(c.touched, st)
			}
		}
	}
	for stream, more := range appended {
		c.touched[stream] = c.gen
		if len(more) > 0 {
			c.setHead(stream, more[len(more)-1].Revision+1)
		}
		e := c.streams[stream]
		switch {
		case e == nil:
		case len(more) == 0 || more[0].Revision != uint64(len(e.evs)):
			c.remove(stream)
		default:
			c.append(stream, e, more, eventsSize(more))
		}
	}
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
