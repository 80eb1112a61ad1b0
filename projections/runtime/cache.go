package runtime

import "github.com/iup-platform/iup/projections"

// docCache holds the documents a rebuild has committed to its fresh
// namespace, so the overlay reads them from memory. It knows every key the
// rebuild wrote, so a key it never saw does not exist and costs no read of
// the store (most first reads of a fresh namespace). Past its byte budget
// it drops documents' bytes, keeping their keys: a read of a dropped one
// goes to the store. Past its key cap it gives up and answers nothing. A
// nil cache answers nothing either.
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
}

// cachedDoc is what the cache knows of a key: its document (nil: deleted),
// or that it exists in the store only.
type cachedDoc struct {
	value   []byte
	dropped bool
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
		c.drop(c.maxBytes * 3 / 4)
	}
}

// drop lets documents go, in no particular order, until at most keep bytes
// are held: the overlay keeps the ones in use decoded, and going down to
// below the budget makes this pass over the keys run once per many batches.
func (c *docCache) drop(keep int) {
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
