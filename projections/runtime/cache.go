package runtime

import "slices"

// docCache holds the documents a rebuild has committed to its fresh
// namespace that its overlay let go, so the overlay reads them back from
// memory. With the overlay it knows every key the rebuild wrote, so a key
// neither knows does not exist and costs no read of the store (most first
// reads of a fresh namespace). It used to take a copy of every batch,
// which for the documents the overlay still held was a map entry for
// nothing. Past its byte budget it drops documents' bytes, keeping their
// keys: a read of a dropped one goes to the store. Past its key cap it
// gives up and answers nothing. A nil cache answers nothing either. A
// workspace whose overlay starts afresh (after a failed batch) fails its
// rebuild, so no document is let go without the cache hearing of it.
//
// It used to turn off at its key cap, past which every document the
// overlay had let go was read back from the store one key at a time, and
// it held every document's bytes until then, so a municipality's rebuild
// grew past its memory limit before reaching the cap.
type docCache struct {
	docs     map[string]cachedDoc
	bytes    int // of the documents held
	maxBytes int
	maxKeys  int
	off      bool
	commits  uint32 // commits so far: a document's age
	// keysOnly records keys without their documents: a rebuild's held
	// renders write served documents no fold reads, and kept, they pushed
	// out the facts the renders after them read.
	keysOnly bool
}

// cachedDoc is what the cache knows of a key: its document (nil: deleted),
// or that it exists in the store only.
type cachedDoc struct {
	value   []byte
	dropped bool
	at      uint32 // the commit that wrote it
}

func newDocCache(maxKeys, maxBytes int) *docCache {
	return &docCache{docs: map[string]cachedDoc{}, maxKeys: maxKeys, maxBytes: maxBytes}
}

// get returns the document at key and whether the cache can answer.
func (c *docCache) get(key string) ([]byte, bool) {
	if c == nil || c.off {
		return nil, false
	}
	d := c.docs[key] // never written: nil, it does not exist
	if d.dropped {
		return nil, false
	}
	return d.value, true
}

// keep records what the overlay let go of key (Overlay.Dropped): its
// bytes, that it holds nothing (deleted), or that it exists with bytes
// the cache does not keep (no value, not deleted).
func (c *docCache) keep(key string, value []byte, deleted bool) {
	if c == nil || c.off {
		return
	}
	c.bytes -= len(c.docs[key].value)
	if !deleted && (c.keysOnly || value == nil) {
		c.docs[key] = cachedDoc{dropped: true}
		return
	}
	c.bytes += len(value)
	c.docs[key] = cachedDoc{value: value, at: c.commits}
}

// committed counts a batch the store has taken (a document's age is the
// batch its overlay let it go in) and keeps the cache within its budgets.
func (c *docCache) committed() {
	if c == nil || c.off {
		return
	}
	c.commits++
	if len(c.docs) > c.maxKeys {
		c.off, c.docs = true, nil
		return
	}
	if c.bytes > c.maxBytes {
		c.drop(c.maxBytes * 3 / 4)
	}
}

// forget lets every document and key go: reads go to the store from now on.
func (c *docCache) forget() {
	if c != nil {
		c.off, c.docs, c.bytes = true, nil, 0
	}
}

// drop lets the documents written longest ago go until at most keep bytes
// are held: a student's facts are written again and again, a full page of
// an audit trail never. It used to let them go in no particular order, so
// the facts went as often as the pages. Going down to below the budget
// makes this pass over the keys run once per many commits.
func (c *docCache) drop(keep int) {
	type aged struct {
		at   uint32
		size int
	}
	held := make([]aged, 0, len(c.docs))
	for _, d := range c.docs {
		if d.value != nil {
			held = append(held, aged{d.at, len(d.value)})
		}
	}
	slices.SortFunc(held, func(a, b aged) int { return int(b.at) - int(a.at) }) // newest first
	cut, sum := uint32(0), 0
	for _, h := range held {
		if sum+h.size > keep {
			cut = h.at // this commit's and older ones go
			break
		}
		sum += h.size
	}
	if cut == 0 {
		return
	}
	for k, d := range c.docs {
		if d.value != nil && d.at <= cut {
			c.bytes -= len(d.value)
			c.docs[k] = cachedDoc{dropped: true}
		}
	}
}
