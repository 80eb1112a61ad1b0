package shred_test

import (
	"context"
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/iup-platform/iup/domain/catalog"
	"github.com/iup-platform/iup/eventstore"
	"github.com/iup-platform/iup/eventstore/shred"
	"github.com/iup-platform/iup/eventstore/shred/shredtest"
	"github.com/iup-platform/iup/projections/views/sample"
)

// Every event of a sample organiser's school year (every kind the domain
// writes in a year), sealed and stored, decodes through the sealing codec
// (go-json) to what it was and to what encoding/json decodes from the same
// bytes (the plain codec, through the registry); culled, it decodes as
// the registry decodes the bytes without their sealed content.
func TestEventsDecodeAsEncodingJSONDecodesThem(t *testing.T) {
	sealing := sealingCodec(t)
	plain := eventstore.PlainCodec{Registry: catalog.Events}
	ctx := context.Background()
	types := map[string]int{}
	for _, a := range sample.Generate(sample.Config{Schools: 1, ClassesPerGrade: 1, StudentsPerClass: 4, Seed: 11}) {
		for _, ev := range a.Events {
			id := eventstore.NewEventID()
			rec := func(data []byte, v int) eventstore.RecordedEvent {
				return eventstore.RecordedEvent{Stream: a.Stream, EventData: eventstore.EventData{ID: id, Type: ev.EventType(),
					SchemaVersion: v, Data: data, Metadata: eventstore.Metadata{Tenant: a.Meta.Actor.Tenant}}}
			}
			sealed, v, err := sealing.Encode(ctx, a.Meta.Actor.Tenant, id, ev)
			if err != nil {
				t.Fatal(err)
			}
			got, culled, err := sealing.Decode(ctx, rec(sealed, v))
			if err != nil || culled || !reflect.DeepEqual(got, ev) {
				t.Fatalf("%s: sealed and decoded = %#v (culled %v, %v), want %#v", ev.EventType(), got, culled, err, ev)
			}
			clearData, v, err := plain.Encode(ctx, a.Meta.Actor.Tenant, id, ev)
			if err != nil {
				t.Fatal(err)
			}
			std, _, err := plain.Decode(ctx, rec(clearData, v))
			if err != nil {
				t.Fatal(err)
			}
			fast, _, err := sealing.Decode(ctx, rec(clearData, v))
			if err != nil || !reflect.DeepEqual(fast, std) {
				t.Fatalf("%s: go-json decoded %#v (%v), encoding/json %#v", ev.EventType(), fast, err, std)
			}
			types[ev.EventType()]++
		}
	}
	if len(types) < 20 {
		t.Fatalf("only %d event types in the sample: %v", len(types), types)
	}
	t.Logf("%d event types, %d events", len(types), func() (n int) {
		for _, c := range types {
			n += c
		}
		return
	}())
}

// Every registered event type, each field filled (strings with characters
// JSON escapes, numbers, true, one element in every slice and map), decodes
// with go-json to what encoding/json decodes from the same bytes; where
// encoding/json refuses the bytes (a filled value its type's own
// UnmarshalJSON rejects), go-json refuses them too.
func TestEveryEventTypeDecodesAsEncodingJSONDecodesIt(t *testing.T) {
	sealing := sealingCodec(t)
	plain := eventstore.PlainCodec{Registry: catalog.Events}
	ctx := context.Background()
	decoded := 0
	for _, name := range catalog.Events.Types() {
		typ, _ := catalog.Events.GoType(name)
		v, _ := catalog.Events.Version(name)
		ptr := reflect.New(typ)
		fill(ptr.Elem(), 0)
		data, err := json.Marshal(ptr.Interface())
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		rec := eventstore.RecordedEvent{Stream: "s", EventData: eventstore.EventData{ID: eventstore.NewEventID(), Type: name,
			SchemaVersion: v, Data: data, Metadata: eventstore.Metadata{Tenant: "t1"}}}
		std, _, serr := plain.Decode(ctx, rec)
		fast, _, ferr := sealing.Decode(ctx, rec)
		if (serr == nil) != (ferr == nil) || !reflect.DeepEqual(fast, std) {
			t.Errorf("%s: go-json decoded %#v (%v)\nencoding/json %#v (%v)\nfrom %s", name, fast, ferr, std, serr, data)
		}
		if serr == nil {
			decoded++
		}
	}
	// Most types must decode: a filler their own types all refuse would
	// compare only errors.
	if n := len(catalog.Events.Types()); decoded < n*3/4 {
		t.Fatalf("only %d of %d event types decoded their filled values", decoded, n)
	}
	t.Logf("%d of %d event types decoded their filled values", decoded, len(catalog.Events.Types()))
}

// fill sets every field of v to a value that is not its zero.
func fill(v reflect.Value, depth int) {
	if depth > 6 {
		return
	}
	switch v.Kind() {
	case reflect.String:
		v.SetString("Å<&>\"x\"\n")
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		v.SetInt(7)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		v.SetUint(7)
	case reflect.Float32, reflect.Float64:
		v.SetFloat(1.5)
	case reflect.Pointer:
		v.Set(reflect.New(v.Type().Elem()))
		fill(v.Elem(), depth+1)
	case reflect.Slice:
		s := reflect.MakeSlice(v.Type(), 1, 1)
		fill(s.Index(0), depth+1)
		v.Set(s)
	case reflect.Map:
		m := reflect.MakeMap(v.Type())
		k, e := reflect.New(v.Type().Key()).Elem(), reflect.New(v.Type().Elem()).Elem()
		fill(k, depth+1)
		fill(e, depth+1)
		m.SetMapIndex(k, e)
		v.Set(m)
	case reflect.Struct:
		if v.Type() == reflect.TypeOf(time.Time{}) {
			v.Set(reflect.ValueOf(time.Date(2026, 3, 4, 5, 6, 7, 8, time.UTC)))
			return
		}
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				fill(v.Field(i), depth+1)
			}
		}
	}
}

// sealingCodec is the sealing codec over the domain's events, with its
// keys in a fresh folder.
func sealingCodec(t testing.TB) *shred.Codec {
	keys, ks := shredtest.Open(t, t.TempDir())
	t.Cleanup(func() { ks.Close() })
	return shred.NewCodec(catalog.Events, keys)
}
