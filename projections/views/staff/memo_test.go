package staff

import (
	"fmt"
	"testing"
)

// A reader's memo answers what was put, by id, before and after it grows
// past the length it searches in order, and nothing else.
func TestMemoAnswersWhatWasPut(t *testing.T) {
	var m memo[int]
	for i := range 3 * memoIndexAt {
		m.put(fmt.Sprint("id", i), i)
		for j := 0; j <= i; j++ {
			if v, ok := m.get(fmt.Sprint("id", j)); !ok || v != j {
				t.Fatalf("after %d puts, id%d = %d, %v; want %d", i+1, j, v, ok, j)
			}
		}
		if _, ok := m.get(fmt.Sprint("id", i+1)); ok {
			t.Fatalf("after %d puts, id%d found before it was put", i+1, i+1)
		}
	}
	if m.index == nil {
		t.Error("the memo never indexed its ids")
	}
}
