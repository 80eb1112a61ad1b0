package sample

import (
	"reflect"
	"testing"

	"github.com/iup-platform/iup/domain/catalog"
)

func TestTheHistoryIsDeterministicAndRegistered(t *testing.T) {
	c := Config{Schools: 1, ClassesPerGrade: 1, StudentsPerClass: 3, Seed: 1}
	a, b := Generate(c), Generate(c)
	if !reflect.DeepEqual(a, b) {
		t.Fatal("the same config gave two histories")
	}
	if n := Count(a); n < 400 {
		t.Fatalf("only %d events for 9 classes of 3", n)
	}
	for _, ap := range a {
		for _, ev := range ap.Events {
			if _, ok := catalog.Events.Version(ev.EventType()); !ok {
				t.Fatalf("%s is not a registered event type", ev.EventType())
			}
		}
		if ap.Meta.Actor.Tenant != "kommun" || ap.Stream == "" {
			t.Fatalf("append without tenant or stream: %+v", ap)
		}
	}
}
