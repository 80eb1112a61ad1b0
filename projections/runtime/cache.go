package runtime

import "github.com/iup-platform/iup/projections"

// docCache holds every document a rebuild has committed to its fresh
// namespace, so the overlay reads them from memory: a key the cache has
// never seen does not exist. A nil cache, or one that outgrew its cap,
// answers nothing and the store is read instead.
type docCache struct {
	docs map[string][]byte // nil value: deleted
	max  int
	off  bool
}

func newDocCache(max int) *docCache { return &docCache{docs: map[string][]byte{}, max: max} }

// get returns the document at key and whether the cache can answer.
func (c *docCache) get(key string) ([]byte, bool) {
	if c == nil || c.off {
		return nil, false
	}
	return c.docs[key], true
}

// commit records a batch the store has taken.
func (c *docCache) commit(changes []projections.Change) {
	if c == nil || c.off {
		return
	}
	for _, ch := range changes {
		c.docs[ch.Key] = ch.Value
	}
	if len(c.docs) > c.max {
		c.off, c.docs = true, nil
	}
}
