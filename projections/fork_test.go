package projections

import (
	"strconv"
	"sync"
	"testing"
)

// forkedParent is an overlay over students' facts, read and decoded, with
// one card render per student held, as a rebuild's pass leaves it.
func forkedParent(t *testing.T, s *fetchStore, students int) *Overlay {
	t.Helper()
	o := NewOverlay(s.get)
	o.HoldRenders, o.DropWritten = true, true
	for i := range students {
		var f facts
		if _, err := GetJSON(o, "facts/"+strconv.Itoa(i), &f); err != nil {
			t.Fatal(err)
		}
		if err := Defer(o, "card/"+strconv.Itoa(i), studentRender(i, nil)); err != nil {
			t.Fatal(err)
		}
	}
	return o
}

// Forks render the renders taken from an overlay on goroutines of their
// own, each reading the overlay's decoded documents without changing
// them: together they write what the overlay alone would have.
func TestForksRenderWhatTheOverlayWould(t *testing.T) {
	const students = 40
	alone := forkedParent(t, newFetchStore(students), students)
	if err := alone.RenderPending(0); err != nil {
		t.Fatal(err)
	}
	want, err := alone.StagedUnencoded()
	if err != nil {
		t.Fatal(err)
	}
	wantBytes := map[string]string{}
	for _, u := range want {
		c, err := u.Encode()
		if err != nil {
			t.Fatal(err)
		}
		wantBytes[c.Key] = string(c.Value)
	}

	s := newFetchStore(students)
	parent := forkedParent(t, s, students)
	readsBefore := s.single
	before := map[string]doc{}
	for k, d := range parent.entries {
		before[k] = *d
	}
	rs := parent.TakeRenders()
	if len(rs) != students || parent.Pending() != 0 {
		t.Fatalf("took %d renders, %d left pending; want %d and 0", len(rs), parent.Pending(), students)
	}
	var mu sync.Mutex
	got := map[string]string{}
	var wg sync.WaitGroup
	for w := range 3 {
		wg.Go(func() {
			f := parent.Fork(func(key string) ([]byte, error) { mu.Lock(); defer mu.Unlock(); return s.get(key) }, nil, nil)
			var share Renders
			for i := w; i < len(rs); i += 3 {
				share = append(share, rs[i])
			}
			if err := f.Run(share); err != nil {
				t.Error(err)
				return
			}
			staged, err := f.StagedUnencoded()
			if err != nil {
				t.Error(err)
				return
			}
			for _, u := range staged {
				c, err := u.Encode()
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				got[c.Key] = string(c.Value)
				mu.Unlock()
			}
			f.Written()
		})
	}
	wg.Wait()
	if len(got) != len(wantBytes) {
		t.Fatalf("forks wrote %d documents, the overlay alone %d", len(got), len(wantBytes))
	}
	for k, v := range wantBytes {
		if got[k] != v {
			t.Errorf("%s: forks wrote %s, the overlay alone %s", k, got[k], v)
		}
	}
	// The facts came from the parent, decoded: only the courses, which
	// it never read, came from the store.
	if reads := s.single - readsBefore; reads > 3*7 {
		t.Errorf("forks read the store %d times, want at most %d (courses only)", reads, 3*7)
	}
	if len(parent.entries) != len(before) {
		t.Errorf("the parent holds %d entries after its forks, %d before", len(parent.entries), len(before))
	}
	for k, d := range parent.entries {
		if b := before[k]; d.raw == nil != (b.raw == nil) || d.obj != b.obj || d.used != b.used || d.dirty != b.dirty {
			t.Errorf("%s: a fork changed the parent's entry", k)
		}
	}
}

// A fork's writes are its own: neither the parent nor another fork sees
// them, and Join drops the parent's stale entries of the keys a fork
// wrote, telling Dropped.
func TestAForkWritesAlone(t *testing.T) {
	s := newFetchStore(2)
	parent := NewOverlay(s.get)
	var f0 facts
	if _, err := GetJSON(parent, "facts/0", &f0); err != nil {
		t.Fatal(err)
	}
	a := parent.Fork(s.get, nil, nil)
	b := parent.Fork(s.get, nil, nil)
	// Read first, so the fork holds the parent's entry when it writes.
	if err := UpdateJSON(a, "facts/0", func(f *facts) { f.Course, f.Level = "changed", 99 }); err != nil {
		t.Fatal(err)
	}
	a.Delete("facts/1")
	for name, o := range map[string]*Overlay{"parent": parent, "other fork": b} {
		var f facts
		ok, err := GetJSON(o, "facts/0", &f)
		if err != nil || !ok || f.Course != "c0" {
			t.Errorf("%s reads facts/0 as %+v (found %v, %v) after a fork wrote it, want the stored c0", name, f, ok, err)
		}
		if ok, err := GetJSON(o, "facts/1", &f); err != nil || !ok {
			t.Errorf("%s finds no facts/1 after a fork deleted it (%v)", name, err)
		}
	}
	if a.Wrote("facts/0") {
		t.Error("the fork says it wrote facts/0 before its batch was written")
	}
	a.Written()
	if !a.Wrote("facts/0") || !a.Wrote("facts/1") || b.Wrote("facts/0") {
		t.Errorf("after Written: fork wrote facts/0 %v, facts/1 %v; the other fork facts/0 %v", a.Wrote("facts/0"), a.Wrote("facts/1"), b.Wrote("facts/0"))
	}
	told := map[string]bool{}
	parent.Dropped = func(key string, raw []byte, deleted bool) {
		if raw != nil {
			t.Errorf("Join told of bytes for %s", key)
		}
		told[key] = deleted
	}
	s.docs["facts/0"] = []byte(`{"course":"changed","level":99}`) // what the fork's write stored
	parent.Join(a)
	if len(told) != 2 || told["facts/0"] || !told["facts/1"] {
		t.Errorf("Join told Dropped %v, want facts/0 written and facts/1 deleted", told)
	}
	var f facts
	if _, err := GetJSON(parent, "facts/0", &f); err != nil || f.Course != "changed" {
		t.Errorf("after Join the parent reads facts/0 as %+v (%v), want what the store holds", f, err)
	}
}
