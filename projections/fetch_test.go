package projections

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"testing"
)

// fetchStore is a base of documents that counts how it is read.
type fetchStore struct {
	docs        map[string][]byte
	single      int // reads of one key
	manyCalls   int
	manyKeys    int
	localAnswer map[string]bool // keys answered from memory
}

func (s *fetchStore) get(key string) ([]byte, error) { s.single++; return s.docs[key], nil }

func (s *fetchStore) local(key string) ([]byte, bool) {
	if s.localAnswer[key] {
		return s.docs[key], true
	}
	return nil, false
}

func (s *fetchStore) many(keys []string) ([][]byte, error) {
	s.manyCalls++
	s.manyKeys += len(keys)
	out := make([][]byte, len(keys))
	for i, k := range keys {
		out[i] = s.docs[k]
	}
	return out, nil
}

// newFetchStore holds, per student, facts naming a course, and per course
// a name: a render reads the facts, then the course they name.
func newFetchStore(students int) *fetchStore {
	s := &fetchStore{docs: map[string][]byte{}, localAnswer: map[string]bool{}}
	for i := range students {
		s.docs["facts/"+strconv.Itoa(i)] = fmt.Appendf(nil, `{"course":"c%d","level":%d}`, i%7, i)
	}
	for c := range 7 {
		s.docs["course/c"+strconv.Itoa(c)] = fmt.Appendf(nil, `{"name":"Course %d"}`, c)
	}
	return s
}

type facts struct {
	Course string `json:"course"`
	Level  int    `json:"level"`
}

type course struct {
	Name string `json:"name"`
}

// studentRender renders a student's card from their facts and their
// course; without facts it writes a placeholder under another key, and
// for the student listed in fail it fails when the course is missing.
func studentRender(i int, fail map[int]bool) func(Tx) error {
	return func(tx Tx) error {
		var f facts
		ok, err := GetJSON(tx, "facts/"+strconv.Itoa(i), &f)
		if err != nil {
			return err
		}
		if !ok {
			return PutJSON(tx, "orphan/"+strconv.Itoa(i), true)
		}
		var c course
		found, err := GetJSON(tx, "course/"+f.Course, &c)
		if err != nil {
			return err
		}
		if !found && fail[i] {
			return errors.New("course missing")
		}
		return PutJSON(tx, "card/"+strconv.Itoa(i), map[string]any{"level": f.Level, "course": c.Name})
	}
}

func renderAll(t *testing.T, s *fetchStore, students int, fetch bool, fail map[int]bool) []Change {
	t.Helper()
	o := NewOverlay(s.get)
	o.HoldRenders = true
	if fetch {
		o.SetFetch(s.local, s.many)
	}
	for i := range students {
		if err := Defer(o, "card/"+strconv.Itoa(i), studentRender(i, fail)); err != nil {
			t.Fatal(err)
		}
	}
	return renderedChanges(t, o)
}

// renderedChanges runs every pending render and returns what o would write.
func renderedChanges(t *testing.T, o *Overlay) []Change {
	t.Helper()
	if err := o.RenderPending(0); err != nil {
		t.Fatal(err)
	}
	ch, err := o.Changes()
	if err != nil {
		t.Fatal(err)
	}
	return ch
}

// Renders that read what only the store has read it in a call a round of
// probing, not a call a document, and write exactly what they write read
// one key at a time: a render that first ran on a document read as absent
// (the placeholder, the failure on a missing course) leaves nothing.
func TestProbedRendersReadTheStoreInFewCallsAndWriteTheSame(t *testing.T) {
	const students = 300
	fail := map[int]bool{5: true, 17: true}
	plain := newFetchStore(students)
	want := renderAll(t, plain, students, false, fail)
	if plain.single != students+7 {
		t.Fatalf("read one at a time: %d reads, want %d", plain.single, students+7)
	}

	for _, tc := range []struct {
		name  string
		local int // students whose facts are in memory
		calls int
	}{
		// Round 1 learns the facts, round 2 the courses they name.
		{"nothing in memory", 0, 2},
		// The students in memory name every course in round 1.
		{"a third in memory", students / 3, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			probed := newFetchStore(students)
			for i := range tc.local {
				probed.localAnswer["facts/"+strconv.Itoa(i)] = true
			}
			got := renderAll(t, probed, students, true, fail)
			if !slices.EqualFunc(got, want, func(a, b Change) bool { return a.Key == b.Key && string(a.Value) == string(b.Value) }) {
				t.Fatalf("probed renders wrote %d changes, want %d the same", len(got), len(want))
			}
			if probed.single != 0 {
				t.Errorf("%d reads of one key, want none", probed.single)
			}
			if probed.manyCalls != tc.calls || probed.manyKeys != students-tc.local+7 {
				t.Errorf("%d calls for %d keys, want %d calls for %d keys", probed.manyCalls, probed.manyKeys, tc.calls, students-tc.local+7)
			}
		})
	}
}

// Keys whose reads depend on each other deeper than the probing rounds go
// are read one at a time after them, and the renders still finish.
func TestRendersDeeperThanTheProbingRoundsFinish(t *testing.T) {
	s := &fetchStore{docs: map[string][]byte{}, localAnswer: map[string]bool{}}
	const depth = probeRounds + 3
	for i := range depth {
		s.docs["link/"+strconv.Itoa(i)] = []byte(strconv.Quote("link/" + strconv.Itoa(i+1)))
	}
	s.docs["link/"+strconv.Itoa(depth)] = []byte(`"end"`)
	o := NewOverlay(s.get)
	o.HoldRenders = true
	o.SetFetch(s.local, s.many)
	err := Defer(o, "chain", func(tx Tx) error {
		key, hops := "link/0", 0
		for key != "end" {
			var next string
			ok, err := GetJSON(tx, key, &next)
			if err != nil {
				return err
			}
			if !ok {
				return PutJSON(tx, "chain", "broken")
			}
			key, hops = next, hops+1
		}
		return PutJSON(tx, "chain", hops)
	})
	if err != nil {
		t.Fatal(err)
	}
	ch := renderedChanges(t, o)
	if len(ch) != 1 || string(ch[0].Value) != strconv.Itoa(depth+1) {
		t.Fatalf("changes %v, want chain=%d", ch, depth+1)
	}
	if s.manyCalls != probeRounds || s.single != depth+1-probeRounds {
		t.Fatalf("%d calls of many, %d single reads; want %d and %d", s.manyCalls, s.single, probeRounds, depth+1-probeRounds)
	}
}
