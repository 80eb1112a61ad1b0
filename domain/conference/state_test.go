package conference_test

import (
	"os"
	"reflect"
	"testing"

	"github.com/iup-platform/iup/domain"
	"github.com/iup-platform/iup/domain/conference"
)

func TestState(t *testing.T) {
	t.Run("folding keeps the booking, the frozen record and acknowledgements", func(t *testing.T) {
		later := at.Add(1)
		s := conference.Decider.Fold([]domain.Event{
			scheduled,
			conference.Rescheduled{ConferenceID: "c1", StudentID: "s1", At: later, Place: "Rum 2", Participants: ppl, InterpreterLanguage: "ar"},
			held,
			conference.ActionProgrammeConsidered{ConferenceID: "c1", StudentID: "s1", SupportMatter: true},
			conference.Acknowledged{GuardianID: "g1"},
		})
		if !s.Exists || !s.Held || !s.At.Equal(later) || s.Place != "Rum 2" || s.InterpreterLanguage != "ar" ||
			s.Record.PlanVersion != 4 || s.ActionProgramme == nil || !s.HasAcknowledged("g1") || s.HasAcknowledged("g2") {
			t.Fatalf("state = %+v", s)
		}
		if c := conference.Decider.Fold([]domain.Event{scheduled, conference.Cancelled{}}); !c.Cancelled {
			t.Fatal("not cancelled")
		}
	})
}

func TestEventSchema(t *testing.T) {
	t.Run("a version-1 conference.held decodes into the current type", func(t *testing.T) {
		raw, err := os.ReadFile("testdata/held.v1.json")
		if err != nil {
			t.Fatal(err)
		}
		ev, err := domain.Events.Decode("conference.held", 1, raw)
		if err != nil {
			t.Fatal(err)
		}
		want := held
		if got, ok := ev.(conference.Held); !ok || !reflect.DeepEqual(got, want) {
			t.Fatalf("decoded %#v", ev)
		}
	})
	t.Run("every event with personal content names the student as its data subject", func(t *testing.T) {
		pkg := reflect.TypeOf(conference.Held{}).PkgPath()
		n := 0
		for _, name := range domain.Events.Types() {
			typ, _ := domain.Events.GoType(name)
			if typ.PkgPath() != pkg {
				continue
			}
			n++
			personal := false
			for i := range typ.NumField() {
				if typ.Field(i).Tag.Get("personal") == "true" {
					personal = true
				}
			}
			ev := reflect.New(typ).Elem()
			ev.FieldByName("StudentID").SetString("s1")
			ds, subject := ev.Interface().(domain.DataSubject)
			if personal != subject || (subject && ds.DataSubject() != "s1") {
				t.Errorf("%s: personal fields %v, DataSubject %v", name, personal, subject)
			}
		}
		if n != 6 {
			t.Fatalf("%d conference event types registered, want 6", n)
		}
	})
}
