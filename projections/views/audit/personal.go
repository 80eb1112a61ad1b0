package audit

import (
	"reflect"
	"sync"

	"github.com/iup-platform/iup/domain"
)

// hasPersonal reports whether ev carries personal content, that is a
// non-empty member tagged `personal:"true"` (or holding such a field): the
// events the sealing codec encrypts and a cull empties.
func hasPersonal(ev domain.Event) bool { return personalIn(reflect.ValueOf(ev)) }

func personalIn(v reflect.Value) bool {
	for v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface {
		if v.IsNil() {
			return false
		}
		v = v.Elem()
	}
	if v.Kind() != reflect.Struct {
		return false
	}
	p := planOf(v.Type())
	for _, i := range p.embedded {
		if personalIn(v.Field(i)) {
			return true
		}
	}
	for _, i := range p.fields {
		if !emptyValue(v.Field(i)) {
			return true
		}
	}
	return false
}

// personalPlan is where, in one struct type, personal content can be.
type personalPlan struct {
	embedded []int // embedded members, flattened into the event's own
	fields   []int // members tagged personal or holding such a field
}

// plans caches a plan per type: every event is asked, and reading the
// struct tags each time was a few percent of a rebuild.
var plans sync.Map // reflect.Type → *personalPlan

func planOf(t reflect.Type) *personalPlan {
	if p, ok := plans.Load(t); ok {
		return p.(*personalPlan)
	}
	p := &personalPlan{}
	for i := range t.NumField() {
		f := t.Field(i)
		switch {
		case !f.IsExported():
		case f.Anonymous && f.Tag.Get("json") == "":
			p.embedded = append(p.embedded, i)
		case f.Tag.Get("personal") == "true" || containsPersonal(f.Type, map[reflect.Type]bool{}):
			p.fields = append(p.fields, i)
		}
	}
	plans.Store(t, p)
	return p
}

func containsPersonal(t reflect.Type, seen map[reflect.Type]bool) bool {
	switch t.Kind() {
	case reflect.Pointer, reflect.Slice, reflect.Array, reflect.Map:
		return containsPersonal(t.Elem(), seen)
	case reflect.Struct:
		if seen[t] {
			return false
		}
		seen[t] = true
		for i := range t.NumField() {
			f := t.Field(i)
			if f.Tag.Get("personal") == "true" || containsPersonal(f.Type, seen) {
				return true
			}
		}
	}
	return false
}

// emptyValue matches what encodes to "", null, [] or {}: content the codec
// does not seal.
func emptyValue(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.String:
		return v.Len() == 0
	case reflect.Pointer, reflect.Interface:
		return v.IsNil()
	case reflect.Slice, reflect.Map:
		return v.Len() == 0
	case reflect.Struct:
		return false
	}
	return false
}
