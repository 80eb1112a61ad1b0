package projections

import (
	"strconv"
	"testing"
)

// An append-only view (an audit trail fills a page, then starts the next)
// touches each document for a while and never again. The overlay keeps
// its working set, not its history: documents unused for MaxIdle batches
// leave the cache, a document used in every batch stays, and a dropped one
// reads back from the store as it was written.
func TestTheOverlayForgetsDocumentsNoBatchUses(t *testing.T) {
	store := map[string][]byte{}
	reads := map[string]int{}
	o := NewOverlay(func(k string) ([]byte, error) { reads[k]++; return store[k], nil })
	const batches = 1000
	for i := range batches {
		o.Begin()
		var n int
		if _, err := GetJSON(o, "head", &n); err != nil {
			t.Fatal(err)
		}
		if err := PutJSON(o, "head", n+1); err != nil {
			t.Fatal(err)
		}
		if err := PutJSON(o, "page/"+strconv.Itoa(i), i+1); err != nil {
			t.Fatal(err)
		}
		o.Commit()
		ch, err := o.Changes()
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range ch {
			store[c.Key] = c.Value
		}
		o.Written()
	}
	if got, most := len(o.entries), 2*o.MaxIdle+1; got > most {
		t.Fatalf("%d documents cached after %d batches of one new page each: want at most %d", got, batches, most)
	}
	if reads["head"] != 1 {
		t.Fatalf("the document used in every batch was read from the store %d times, want once", reads["head"])
	}
	var first int
	if ok, err := GetJSON(o, "page/0", &first); err != nil || !ok || first != 1 || reads["page/0"] != 1 {
		t.Fatalf("a dropped page reads back as %d (found %v, %v) after %d store reads", first, ok, err, reads["page/0"])
	}
}
