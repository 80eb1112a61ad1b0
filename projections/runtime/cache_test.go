package runtime

import (
	"strconv"
	"strings"
	"testing"

	"github.com/iup-platform/iup/projections"
	"github.com/iup-platform/iup/projections/memstore"
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
		commitAll(c, changes)
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
	commitAll(c, []projections.Change{{Key: "facts/1", Value: []byte(`{"a":1}`)}, {Key: "gone", Value: []byte(`1`)}})
	c.keysOnly = true
	commitAll(c, []projections.Change{{Key: "overview/1", Value: []byte(`{"rows":[]}`)}, {Key: "gone"}})
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

// commitAll tells c of changes as a rebuild's overlay lets them go, one
// batch.
func commitAll(c *docCache, changes []projections.Change) {
	for _, ch := range changes {
		c.keep(ch.Key, ch.Value, ch.Value == nil)
	}
	c.committed()
}

// The cache learns of a document when the overlay lets it go, not when it
// is written: a read of one the overlay dropped is answered from memory,
// without the store, and so is a key written and deleted.
func TestTheCacheHoldsWhatTheOverlayLetsGo(t *testing.T) {
	store := &countingStore{Store: memstore.New()}
	ws := newWorkspace(store, projections.Namespace("v1:test"), newDocCache(1000, 1<<20), Retry{})
	ws.overlay.MaxIdle = 1
	if err := projections.PutJSON(ws.overlay, "doc/1", map[string]int{"n": 1}); err != nil {
		t.Fatal(err)
	}
	ws.overlay.Put("doc/2", []byte(`2`))
	commit := func() {
		if _, err := ws.overlay.Changes(); err != nil {
			t.Fatal(err)
		}
		ws.overlay.Written()
		ws.cache.committed()
	}
	commit()
	ws.overlay.Delete("doc/2")
	for range 3 { // idle long enough to be let go
		commit()
	}
	if ws.overlay.Len() != 0 {
		t.Fatal("staged writes left")
	}
	if v, ok := ws.cache.get("doc/1"); !ok || string(v) != `{"n":1}` {
		t.Fatalf("doc/1 let go by the overlay: the cache has %q, %v", v, ok)
	}
	var got map[string]int
	if found, err := projections.GetJSON(ws.overlay, "doc/1", &got); err != nil || !found || got["n"] != 1 || store.reads != 0 {
		t.Fatalf("read back: found %v, %v, err %v, %d reads of the store", found, got, err, store.reads)
	}
	if v, err := ws.overlay.Get("doc/2"); err != nil || v != nil || store.reads != 0 {
		t.Fatalf("doc/2, deleted: %q, err %v, %d reads of the store", v, err, store.reads)
	}
}
