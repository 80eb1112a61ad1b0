package staff

import (
	"slices"
	"testing"

	"github.com/iup-platform/iup/projections"
)

// A fold edits a copy of a document: an event that fails is rolled back to
// the document as it was, which shares its arrays with what the fold read.
// addSorted inserting into spare capacity used to shift the shared array,
// so the rolled-back school listed [a b] instead of [a c].
func TestAFailedEventLeavesTheDocumentsItReadAsTheyWere(t *testing.T) {
	o := projections.NewOverlay(func(string) ([]byte, error) { return nil, nil })
	key := schoolKey(tn, "sk1")
	o.Begin()
	if err := projections.PutJSON(o, key, school{Students: append(make([]string, 0, 4), "a", "c")}); err != nil {
		t.Fatal(err)
	}
	o.Commit()
	o.Begin()
	if err := update(o, key, func(s *school) { s.Students = addSorted(s.Students, "b") }); err != nil {
		t.Fatal(err)
	}
	if got, _ := load[school](o, key); !slices.Equal(got.Students, []string{"a", "b", "c"}) {
		t.Fatalf("after the fold: %v", got.Students)
	}
	o.Rollback()
	if got, _ := load[school](o, key); !slices.Equal(got.Students, []string{"a", "c"}) {
		t.Errorf("after the rollback: %v, want [a c]", got.Students)
	}
}
