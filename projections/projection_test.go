package projections

import (
	"errors"
	"testing"
)

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
	ch := o.Changes()
	if len(ch) != 3 || ch[0].Key != "a" || string(ch[0].Value) != "5" || ch[1].Key != "b" || ch[1].Value != nil || ch[2].Key != "c" || o.Len() != 3 {
		t.Fatalf("changes = %+v", ch)
	}
	if string(base["a"]) != "1" {
		t.Fatal("the overlay wrote through to its base")
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
	if err := PutJSON(o, "x", func() {}); err == nil {
		t.Fatal("unencodable value stored")
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
