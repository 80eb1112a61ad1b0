package projections

import (
	"errors"
	"reflect"
	"testing"
)

type row struct {
	Name  string   `json:"name"`
	Items []string `json:"items"`
}

func TestOverlayReadsItsOwnWritesAndListsChangesOnce(t *testing.T) {
	base := map[string][]byte{"a": []byte("1"), "b": []byte("2")}
	o := NewOverlay(func(k string) ([]byte, error) { return base[k], nil })
	if v, _ := o.Get("a"); string(v) != "1" {
		t.Fatalf("base read = %q", v)
	}
	o.Put("a", []byte("3"))
	o.Delete("b")
	o.Put("c", []byte("4"))
	o.Put("a", []byte("5"))
	if v, _ := o.Get("a"); string(v) != "5" {
		t.Fatalf("own write = %q", v)
	}
	if v, _ := o.Get("b"); v != nil {
		t.Fatalf("deleted key = %q", v)
	}
	ch, err := o.Changes()
	if err != nil || len(ch) != 3 || ch[0].Key != "a" || string(ch[0].Value) != "5" || ch[1].Key != "b" || ch[1].Value != nil || ch[2].Key != "c" || o.Len() != 3 {
		t.Fatalf("changes = %+v, %v", ch, err)
	}
	if string(base["a"]) != "1" {
		t.Fatal("the overlay wrote through to its base")
	}
	o.Written()
	if ch, _ := o.Changes(); len(ch) != 0 || o.Len() != 0 {
		t.Fatalf("written changes listed again: %+v", ch)
	}
	if v, _ := o.Get("a"); string(v) != "5" {
		t.Fatal("a written document left the cache")
	}
}

func TestDecodedDocumentsAreKeptAndEncodedAtCommit(t *testing.T) {
	reads := 0
	o := NewOverlay(func(k string) ([]byte, error) {
		reads++
		if k == "r" {
			return []byte(`{"name":"Åsa","items":["a"]}`), nil
		}
		return nil, nil
	})
	var r row
	if ok, err := GetJSON(o, "r", &r); !ok || err != nil || r.Name != "Åsa" {
		t.Fatalf("first read: %+v %v %v", r, ok, err)
	}
	r.Items = append(r.Items, "b")
	if err := PutJSON(o, "r", &r); err != nil {
		t.Fatal(err)
	}
	var again row
	if ok, _ := GetJSON(o, "r", &again); !ok || len(again.Items) != 2 || reads != 1 {
		t.Fatalf("second read = %+v after %d base reads", again, reads)
	}
	ch, err := o.Changes()
	if err != nil || len(ch) != 1 || string(ch[0].Value) != `{"name":"Åsa","items":["a","b"]}` {
		t.Fatalf("changes = %s, %v", ch[0].Value, err)
	}
	if err := PutJSON(o, "x", func() {}); err == nil {
		t.Fatal("a function was accepted as a document")
	}
	// A pointer stages a copy of what it points to, in an interface too.
	r.Name = "changed after the put"
	if ok, _ := GetJSON(o, "r", &again); !ok || again.Name != "Åsa" {
		t.Fatalf("a put through a pointer followed the caller's later change: %+v", again)
	}
	var boxed any = &r
	if err := PutJSON(o, "boxed", boxed); err != nil {
		t.Fatal(err)
	}
	r.Name = "changed after the boxed put"
	if ok, _ := GetJSON(o, "boxed", &again); !ok || again.Name != "changed after the put" {
		t.Fatalf("a put through a pointer in an interface followed the caller's later change: %+v", again)
	}
	var nothing any
	if err := PutJSON(o, "nothing", nothing); err == nil {
		t.Fatal("a nil interface was accepted as a document")
	}
}

func TestAFailedEventRollsBackAlone(t *testing.T) {
	o := NewOverlay(func(string) ([]byte, error) { return nil, nil })
	o.Begin()
	_ = PutJSON(o, "kept", row{Name: "first"})
	o.Commit()
	o.Begin()
	_ = PutJSON(o, "kept", row{Name: "overwritten by a failing event"})
	_ = PutJSON(o, "new", row{Name: "written by a failing event"})
	_ = PutJSON(o, "kept", row{Name: "overwritten twice by a failing event"})
	o.Delete("new")
	o.Delete("other")
	o.Rollback()
	var r row
	if ok, _ := GetJSON(o, "kept", &r); !ok || r.Name != "first" {
		t.Fatalf("kept = %+v", r)
	}
	if ok, _ := GetJSON(o, "new", &r); ok {
		t.Fatal("a rolled back write survived")
	}
	ch, _ := o.Changes()
	if len(ch) != 1 || ch[0].Key != "kept" {
		t.Fatalf("changes after rollback = %+v", ch)
	}
}

func TestJSONDocuments(t *testing.T) {
	o := NewOverlay(func(string) ([]byte, error) { return nil, nil })
	if err := PutJSON(o, "k", map[string]int{"b": 2, "a": 1}); err != nil {
		t.Fatal(err)
	}
	if v, _ := o.Get("k"); string(v) != `{"a":1,"b":2}` {
		t.Fatalf("encoded %s: map keys must be sorted for stable bytes", v)
	}
	var back map[string]int
	if ok, err := GetJSON(o, "k", &back); !ok || err != nil || back["b"] != 2 {
		t.Fatalf("decode: %v %v", ok, err)
	}
	if ok, err := GetJSON(o, "missing", &back); ok || err != nil {
		t.Fatal("missing key reported present")
	}
	o.Put("bad", []byte("{"))
	if _, err := GetJSON(o, "bad", &back); err == nil {
		t.Fatal("corrupt document decoded")
	}
	failing := NewOverlay(func(string) ([]byte, error) { return nil, errors.New("down") })
	if _, err := GetJSON(failing, "k", &back); err == nil {
		t.Fatal("read error swallowed")
	}
	p := Projection{Name: "mentor_overview", Version: 3, Handles: []string{"x.y"}}
	if p.Namespace("g1") != "mentor_overview.v3.g1" || !p.HandlesType("x.y") || p.HandlesType("x.z") {
		t.Fatal("namespace or handled types")
	}
}

// A rebuild's held renders are handed to its writer unencoded: the writer
// encodes them to the bytes Changes would have, deletions included, and
// only documents let go once written may be handed over so.
func TestStagedUnencodedEncodeAsChangesWould(t *testing.T) {
	stage := func(o *Overlay) {
		_ = PutJSON(o, "a", row{Name: "Åsa <a>", Items: []string{"x"}})
		o.Put("b", []byte(`{"raw":true}`))
		_ = PutJSON(o, "gone", row{Name: "short-lived"})
		o.Delete("gone")
		o.Delete("c")
	}
	base := func(k string) ([]byte, error) {
		if k == "c" {
			return []byte(`{}`), nil // stored: its deletion is a change
		}
		return nil, nil
	}
	want := NewOverlay(base)
	_, _ = want.Get("c")
	stage(want)
	changes, err := want.Changes()
	if err != nil {
		t.Fatal(err)
	}
	o := NewOverlay(base)
	_, _ = o.Get("c")
	stage(o)
	if _, err := o.StagedUnencoded(); err == nil {
		t.Fatal("handed over unencoded documents the overlay keeps")
	}
	o.DropWritten = true
	staged, err := o.StagedUnencoded()
	if err != nil {
		t.Fatal(err)
	}
	var got []Change
	for _, u := range staged {
		c, err := u.Encode()
		if err != nil {
			t.Fatal(err)
		}
		if u.Deleted() != (c.Value == nil) {
			t.Fatalf("%s: Deleted %v, encoded %q", u.Key, u.Deleted(), c.Value)
		}
		got = append(got, c)
	}
	if !reflect.DeepEqual(got, changes) {
		t.Fatalf("unencoded writes encode to %q, Changes gave %q", got, changes)
	}
}
