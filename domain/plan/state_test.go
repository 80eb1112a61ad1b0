package plan_test

import (
	"os"
	"reflect"
	"testing"

	"github.com/iup-platform/iup/domain"
	"github.com/iup-platform/iup/domain/plan"
)

func TestState(t *testing.T) {
	t.Run("folding keeps texts, goals, agreements, publication and documents", func(t *testing.T) {
		s := plan.Decider.Fold([]domain.Event{
			created, fieldSet("school", "a"), fieldSet("school", "b"),
			goalAdded,
			plan.GoalEdited{GoalID: "g1", Text: "ny", Owner: plan.OwnerSchool, FollowUp: followUp},
			plan.GoalEvaluated{GoalID: "g1", Outcome: plan.Met, Comment: "bra"},
			plan.AgreementsRecorded{ConferenceID: "c1", Agreements: []string{"x"}},
			plan.Published{}, plan.Unpublished{}, plan.Published{}, archived,
			plan.LegacyDocumentAttached{PlanID: planID, StudentID: "s1", Term: ht, DocumentID: "d1", FileName: "a.pdf"},
		})
		g, ok := s.Goal("g1")
		want := plan.Goal{ID: "g1", Text: "ny", Owner: plan.OwnerSchool, FollowUp: followUp, Evaluated: true, Outcome: plan.Met, Comment: "bra"}
		if !ok || g != want {
			t.Fatalf("goal = %+v", g)
		}
		if !s.Created || s.TemplateVersion != 2 || s.Texts["school"] != "b" || !s.Published || !s.Archived ||
			!reflect.DeepEqual(s.Agreements["c1"], []string{"x"}) || len(s.Documents) != 1 {
			t.Fatalf("state = %+v", s)
		}
		if _, ok := s.Field("health"); !ok {
			t.Fatal("field missing")
		}
	})
	t.Run("evolving never changes an earlier state", func(t *testing.T) {
		before := plan.Decider.Fold([]domain.Event{created, fieldSet("school", "a"), goalAdded})
		_ = plan.Decider.Evolve(before, fieldSet("school", "b"))
		_ = plan.Decider.Evolve(before, plan.GoalEvaluated{GoalID: "g1", Outcome: plan.Met})
		if before.Texts["school"] != "a" || before.Goals[0].Evaluated {
			t.Fatalf("earlier state changed: %+v", before)
		}
	})
}

func TestEventSchema(t *testing.T) {
	t.Run("a version-1 plan.created decodes into the current type", func(t *testing.T) {
		raw, err := os.ReadFile("testdata/created.v1.json")
		if err != nil {
			t.Fatal(err)
		}
		ev, err := domain.Events.Decode("plan.created", 1, raw)
		if err != nil {
			t.Fatal(err)
		}
		c, ok := ev.(plan.Created)
		if !ok || c.TemplateVersion != 2 || c.Term != ht || c.Start != domain.MustDate("2026-08-17") || len(c.Fields) != 2 || !c.Fields[1].Sensitive {
			t.Fatalf("decoded %#v", ev)
		}
	})
	t.Run("every event with personal content names the student as its data subject", func(t *testing.T) {
		n := 0
		for _, name := range domain.Events.Types() {
			typ, _ := domain.Events.GoType(name)
			if typ.PkgPath() != reflect.TypeOf(plan.Created{}).PkgPath() {
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
		if n != 10 {
			t.Fatalf("%d plan event types registered, want 10", n)
		}
	})
}
