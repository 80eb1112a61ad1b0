package retention_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/iup-platform/iup/domain/catalog"
)

// Guardians' (and students') addresses are never stored: a protected
// identity (skyddad folkbokföring) is first of all a hidden address, and an
// address kept in an event could never be culled from the shells. No event
// type may have a field that looks like one.
func TestNoEventStoresAnAddress(t *testing.T) {
	banned := []string{"address", "adress", "street", "gata", "postal", "postnr", "postnummer", "zip", "postort", "folkbokf", "city"}
	var walk func(typ string, path string, rt reflect.Type, seen map[reflect.Type]bool)
	walk = func(typ, path string, rt reflect.Type, seen map[reflect.Type]bool) {
		for rt.Kind() == reflect.Pointer || rt.Kind() == reflect.Slice || rt.Kind() == reflect.Array || rt.Kind() == reflect.Map {
			rt = rt.Elem()
		}
		if rt.Kind() != reflect.Struct || seen[rt] {
			return
		}
		seen[rt] = true
		for i := range rt.NumField() {
			f := rt.Field(i)
			json, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			for _, name := range []string{strings.ToLower(f.Name), strings.ToLower(json)} {
				for _, b := range banned {
					if strings.Contains(name, b) {
						t.Errorf("%s: field %s%s looks like an address (%q)", typ, path, f.Name, b)
					}
				}
			}
			walk(typ, path+f.Name+".", f.Type, seen)
		}
	}
	types := catalog.Events.Types()
	roster := 0
	for _, typ := range types {
		gt, _ := catalog.Events.GoType(typ)
		walk(typ, "", gt, map[reflect.Type]bool{})
		if strings.HasPrefix(typ, "roster.guardian") {
			roster++
		}
	}
	if roster < 3 {
		t.Fatalf("only %d guardian events checked: is the roster missing from the catalog?", roster)
	}
}
