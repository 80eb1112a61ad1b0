package catalog

import (
	"fmt"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/iup-platform/iup/domain"
	"github.com/iup-platform/iup/eventstore/shred"
)

// docs/events.md is the catalogue people read: every registered event type
// must have its own section there, at its current schema version.
func TestEveryEventTypeIsDocumented(t *testing.T) {
	doc, err := os.ReadFile("../../docs/events.md")
	if err != nil {
		t.Fatal(err)
	}
	types := Events.Types()
	if len(types) < 50 {
		t.Fatalf("only %d event types registered: is an aggregate missing from the catalog?", len(types))
	}
	for _, typ := range types {
		v, _ := Events.Version(typ)
		if heading := fmt.Sprintf("\n### %s (v%d)\n", typ, v); !strings.Contains(string(doc), heading) {
			t.Errorf("docs/events.md has no section %q", strings.TrimSpace(heading))
		}
	}
}

// Crypto-shredding relies on every event with personal content naming its
// data subject; an event type that forgot would be refused at append time,
// so catch it here first.
func TestEventsWithPersonalContentNameTheirSubject(t *testing.T) {
	subject := reflect.TypeFor[domain.DataSubject]()
	for _, typ := range Events.Types() {
		gt, _ := Events.GoType(typ)
		if len(shred.PersonalMembers(gt)) > 0 && !gt.Implements(subject) {
			t.Errorf("%s has personal fields but does not implement domain.DataSubject", typ)
		}
	}
}
