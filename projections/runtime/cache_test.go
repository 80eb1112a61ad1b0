package runtime

import (
	"strconv"
	"strings"
	"testing"

	"github.com/iup-platform/iup/projections"
)

// Past its budget the cache lets the documents written longest ago go: the
// facts written in every batch stay, the pages written once go, and a key
// let go still reads as one the store has.
func TestTheCacheLetsTheDocumentsWrittenLongestAgoGo(t *testing.T) {
	c := newDocCache(1_000_000, 100_000)
	value := []byte(strings.Repeat("x", 1000))
	for batch := range 200 {
		changes := []projections.Change{{Key: "page/" + strconv.Itoa(batch), Value: value}}
		for s := range 20 {
			changes = append(changes, projections.Change{Key: "facts/" + strconv.Itoa(s), Value: value})
		}
		c.commit(changes)
	}
	if c.bytes > 100_000 {
		t.Fatalf("%d bytes held, over the budget", c.bytes)
	}
	for s := range 20 {
		if v, ok := c.get("facts/" + strconv.Itoa(s)); !ok || len(v) != 1000 {
			t.Fatalf("facts/%d let go, though written in the last batch", s)
		}
	}
	if _, ok := c.get("page/0"); ok {
		t.Fatal("page/0, written once in the first batch, still held")
	}
	if v, ok := c.get("page/199"); !ok || len(v) != 1000 {
		t.Fatal("page/199, written in the last batch, let go")
	}
	if v, ok := c.get("never-written"); !ok || v != nil {
		t.Fatal("a key never written must read as absent without the store")
	}
}

// While a rebuild writes its held renders the cache notes their keys only:
// a read of one goes to the store, and the facts stay.
func TestTheCacheKeepsOnlyTheKeysOfRenders(t *testing.T) {
	c := newDocCache(1_000_000, 1<<20)
	c.commit([]projections.Change{{Key: "facts/1", Value: []byte(`{"a":1}`)}, {Key: "gone", Value: []byte(`1`)}})
	c.keysOnly = true
	c.commit([]projections.Change{{Key: "overview/1", Value: []byte(`{"rows":[]}`)}, {Key: "gone"}})
	c.keysOnly = false
	if _, ok := c.get("overview/1"); ok {
		t.Fatal("a render's document held: its read must go to the store")
	}
	if v, ok := c.get("gone"); !ok || v != nil {
		t.Fatal("a key deleted by a render must read as absent")
	}
	if v, ok := c.get("facts/1"); !ok || string(v) != `{"a":1}` {
		t.Fatal("the facts were let go")
	}
	if c.bytes != len(`{"a":1}`) {
		t.Fatalf("%d bytes counted, want the facts' %d", c.bytes, len(`{"a":1}`))
	}
}
