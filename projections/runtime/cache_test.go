package runtime

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/iup-platform/iup/projections"
)

// doc returns a document like the views' JSON: repetitive, so it packs.
func testDoc(i, size int) []byte {
	var b bytes.Buffer
	for b.Len() < size {
		fmt.Fprintf(&b, `{"student":"s-%06d","course":"c-%03d","level":%d},`, i, b.Len()%97, i%6)
	}
	return b.Bytes()
}

// Past its budget the cache packs documents before it lets any go: a
// budget the packed documents fit answers every read from memory, with
// the same bytes; a budget they do not fit lets some go, never answers
// wrong, and stays within the budget.
func TestTheRebuildCachePacksBeforeItLetsGo(t *testing.T) {
	const n, size = 400, 2048
	var changes []projections.Change
	for i := range n {
		changes = append(changes, projections.Change{Key: fmt.Sprintf("k%03d", i), Value: testDoc(i, size)})
	}
	small := []projections.Change{{Key: "small", Value: []byte(`{"a":1}`)}, {Key: "gone"}}
	for _, tc := range []struct {
		budget  int
		letsGo  bool
		comment string
	}{
		{budget: n * size / 2, letsGo: false, comment: "half the raw bytes: the packed documents fit"},
		{budget: n * 40, letsGo: true, comment: "less than packed: some are let go"},
	} {
		c := newDocCache(1_000_000, tc.budget)
		c.commit(small)
		for i := 0; i < n; i += 50 {
			c.commit(changes[i : i+50])
		}
		if c.bytes > tc.budget {
			t.Errorf("%s: holds %d bytes over a budget of %d", tc.comment, c.bytes, tc.budget)
		}
		dropped := 0
		for _, ch := range append(small, changes...) {
			v, ok := c.get(ch.Key)
			if !ok {
				dropped++
				continue
			}
			if !bytes.Equal(v, ch.Value) {
				t.Fatalf("%s: %s reads back %d bytes, not the %d written", tc.comment, ch.Key, len(v), len(ch.Value))
			}
		}
		if (dropped > 0) != tc.letsGo {
			t.Errorf("%s: %d of %d documents let go", tc.comment, dropped, n+2)
		}
	}
}
