package catalog

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/iup-platform/iup/domain"
)

// FuzzDecode feeds random JSON and schema versions to the registry's
// decode-and-upcast path for every registered event type: stored events
// outlive the code that wrote them, so a bad one must be an error, never a
// panic. What decodes must be of the asked type and encode stably.
func FuzzDecode(f *testing.F) {
	types := Events.Types()
	// Seeds, per type: its zero value at the current version, the same at
	// version 1 (upcast from), and broken variants.
	for i, typ := range types {
		v, _ := Events.Version(typ)
		gt, _ := Events.GoType(typ)
		zero, _, err := Events.Encode(reflect.New(gt).Elem().Interface().(domain.Event))
		if err != nil {
			f.Fatalf("%s: %v", typ, err)
		}
		for _, seed := range []struct {
			version int
			data    []byte
		}{
			{v, zero}, {1, zero}, {v, []byte(`{}`)}, {v, []byte(`null`)}, {v, []byte(`[]`)},
			{v + 1, zero}, {0, zero}, {-1, zero}, {v, zero[:len(zero)/2]},
		} {
			f.Add(uint16(i), seed.version, seed.data)
		}
	}
	// Old versions kept as test data by the aggregates (upcasting input).
	files, _ := filepath.Glob("../*/testdata/*.json")
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		base := strings.TrimSuffix(filepath.Base(file), ".json") // e.g. held.v1
		name := base[:strings.LastIndex(base, ".v")]
		for i, typ := range types {
			if strings.HasSuffix(typ, name) {
				f.Add(uint16(i), 1, data)
			}
		}
	}
	f.Fuzz(func(t *testing.T, typeIndex uint16, version int, data []byte) {
		typ := types[int(typeIndex)%len(types)]
		ev, err := Events.Decode(typ, version, data)
		if err != nil {
			return
		}
		if ev == nil || ev.EventType() != typ {
			t.Fatalf("Decode(%s) returned %#v", typ, ev)
		}
		enc, v, err := Events.Encode(ev)
		if err != nil {
			t.Fatalf("a decoded %s does not encode: %v", typ, err)
		}
		again, err := Events.Decode(typ, v, enc)
		if err != nil {
			t.Fatalf("%s: its own encoding does not decode: %v\n%s", typ, err, enc)
		}
		enc2, _, err := Events.Encode(again)
		if err != nil || !bytes.Equal(enc, enc2) {
			t.Fatalf("%s does not encode stably:\n%s\n%s", typ, enc, enc2)
		}
	})
}
