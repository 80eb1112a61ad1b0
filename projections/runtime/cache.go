package runtime

import (
	"github.com/klauspost/compress/s2"

	"github.com/iup-platform/iup/projections"
)

// docCache holds the documents a rebuild has committed to its fresh
// namespace, so the overlay reads them from memory. It knows every key the
// rebuild wrote, so a key it never saw does not exist and costs no read of
// the store (most first reads of a fresh namespace). Past its byte budget
// it first packs documents (s2), then drops documents' bytes, keeping their
// keys: a read of a dropped one goes to the store. Past its key cap it
// gives up and answers nothing. A nil cache answers nothing either.
//
// It used to turn off at its key cap, past which every document the
// overlay had let go was read back from the store one key at a time, and
// it held every document's bytes until then, so a municipality's rebuild
// grew past its memory limit before reaching the cap. Then it dropped
// documents at its budget, and a municipality's rebuild read 3.5 million
// of them back from Redis, one round trip each: packed, the views' JSON
// takes a half (a student's home facts) to a fifth (audit pages) of the
// bytes, and unpacking one costs less than decoding its JSON.
type docCache struct {
	docs     map[string]cachedDoc
	bytes    int // of the documents held, packed or not
	maxBytes int
	maxKeys  int
	off      bool
}

// cachedDoc is what the cache knows of a key: its document (nil: deleted),
// packed or not, or that it exists in the store only.
type cachedDoc struct {
	value   []byte
	packed  bool
	dropped bool
}

// packMin is the smallest document worth packing: below it s2 saves little
// and the map entry costs more than the bytes.
const packMin = 256

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
	if d.packed {
		v, err := s2.Decode(nil, d.value)
		if err != nil { // cannot happen to bytes s2 packed here; the store has them
			return nil, false
		}
		return v, true
	}
	return d.value, true
}

// commit records a batch the store has taken.
func (c *docCache) commit(changes []projections.Change) {
	if c == nil || c.off {
		return
	}
	for _, ch := range changes {
		c.bytes += len(ch.Value) - len(c.docs[ch.Key].value)
		c.docs[ch.Key] = cachedDoc{value: ch.Value}
	}
	if len(c.docs) > c.maxKeys {
		c.off, c.docs = true, nil
		return
	}
	if c.bytes > c.maxBytes {
		c.shrink(c.maxBytes * 3 / 4)
	}
}

// shrink packs documents, then lets them go, in no particular order, until
// at most keep bytes are held: the overlay keeps the ones in use decoded,
// and going down to below the budget makes this pass over the keys run
// once per many batches.
func (c *docCache) shrink(keep int) {
	for k, d := range c.docs {
		if c.bytes <= keep {
			return
		}
		if !d.packed && len(d.value) >= packMin {
			p := s2.Encode(nil, d.value)
			c.bytes -= len(d.value) - len(p)
			c.docs[k] = cachedDoc{value: p, packed: true}
		}
	}
	for k, d := range c.docs {
		if c.bytes <= keep {
			return
		}
		if d.value != nil {
			c.bytes -= len(d.value)
			c.docs[k] = cachedDoc{dropped: true}
		}
	}
}
