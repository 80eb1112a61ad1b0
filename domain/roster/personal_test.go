package roster_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/iup-platform/iup/domain"
	"github.com/iup-platform/iup/domain/roster"
)

// Crypto-shredding per person relies on the tags: every event carrying a
// personal field names its data subject, and every name or marking is tagged.
func TestPersonalFields(t *testing.T) {
	mustTag := map[string]bool{"DisplayName": true, "Protected": true}
	for _, name := range domain.Events.Types() {
		if !strings.HasPrefix(name, "roster.") {
			continue
		}
		typ, _ := domain.Events.GoType(name)
		t.Run(name+" tags its personal fields and names their subject", func(t *testing.T) {
			personal := false
			for i := range typ.NumField() {
				f := typ.Field(i)
				tagged := f.Tag.Get("personal") == "true"
				if mustTag[f.Name] && !tagged {
					t.Errorf("%s.%s holds personal content but is not tagged personal", typ.Name(), f.Name)
				}
				personal = personal || tagged
			}
			ev := reflect.New(typ).Elem().Interface()
			if _, ok := ev.(domain.DataSubject); ok != personal {
				t.Errorf("%s: has personal fields %v, implements DataSubject %v", typ.Name(), personal, ok)
			}
		})
	}
}

func TestDataSubject(t *testing.T) {
	t.Run("a person's events name that person as data subject", func(t *testing.T) {
		for _, c := range []struct {
			ev   domain.DataSubject
			want string
		}{
			{registered, "st1"},
			{roster.StudentRenamed{StudentID: "st1"}, "st1"},
			{roster.StudentProtectionChanged{StudentID: "st1"}, "st1"},
			{roster.StaffRegistered{StaffID: "m1"}, "m1"},
			{roster.StaffRenamed{StaffID: "m1"}, "m1"},
			{roster.GuardianRegistered{GuardianID: "gA"}, "gA"},
			{roster.GuardianRenamed{GuardianID: "gA"}, "gA"},
		} {
			if got := c.ev.DataSubject(); got != c.want {
				t.Errorf("%T: data subject %q, want %q", c.ev, got, c.want)
			}
		}
	})
}
