package audit

import (
	"testing"

	"github.com/iup-platform/iup/domain"
	"github.com/iup-platform/iup/domain/assessment"
	"github.com/iup-platform/iup/domain/plan"
	"github.com/iup-platform/iup/projections"
)

// A broken document is reported, never silently replaced: the runtime parks
// the view rather than losing a trail.
func TestBrokenDocumentsAreReported(t *testing.T) {
	base := map[string][]byte{}
	build(t, base, history().Events())
	comment := projections.Event{Envelope: domain.Envelope{
		Event:  assessment.EntryCommentSet{RoundID: "r1", StudentID: "s1", Comment: "Ny."},
		Stream: entryStream, Revision: 9, RecordedAt: day("2027-03-01"), Actor: teacher}}
	pub := projections.Event{Envelope: domain.Envelope{
		Event:  assessment.RoundPublished{RoundID: "r1"},
		Stream: "assessmentround-kommun.r1", Revision: 1, RecordedAt: day("2027-03-01"), Actor: teacher}}
	for _, tc := range []struct {
		name string
		key  string
		ev   projections.Event
	}{
		{"round", roundKey(tenant, "r1"), pub},
		{"actor head", ActorKey(tenant, "t1"), comment},
		{"course head", CourseKey(tenant, "ma1"), pub},
		{"student head", StudentKey(tenant, "s1"), comment},
		{"previous values", prevKey(tenant, entryStream), comment},
		{"streams", streamsKey(tenant, "s1"), comment},
		{"personal entries", personalKey(tenant, "s1"), comment},
	} {
		t.Run(tc.name, func(t *testing.T) {
			docs := clone(base)
			docs[tc.key] = []byte("{")
			if err := Projection.Apply(newOverlay(docs), tc.ev); err == nil {
				t.Fatal("a broken document was not reported")
			}
		})
	}
	t.Run("a tail out of step with the count", func(t *testing.T) {
		docs := clone(base)
		docs[StudentKey(tenant, "s1")] = []byte(`{"count":3}`)
		if err := Projection.Apply(newOverlay(docs), comment); err == nil {
			t.Fatal("a head out of step was not reported")
		}
		if err := CullStudent(newOverlay(docs), tenant, "s1"); err == nil {
			t.Fatal("a cull read a head out of step without a word")
		}
	})
	full := map[string][]byte{}
	build(t, full, fullHistory().Events())
	for _, key := range []string{
		StudentKey(tenant, "s1"), PageKey(tenant, KindStudent, "s1", 0), personalKey(tenant, "s1"),
		ActorKey(tenant, "t1"), PageKey(tenant, KindActor, "t1", 0), streamsKey(tenant, "s1"), prevKey(tenant, entryStream),
	} {
		if full[key] == nil {
			t.Fatalf("the history leaves no %s to break", key)
		}
		t.Run("cull with broken "+key, func(t *testing.T) {
			docs := clone(full)
			docs[key] = []byte("{")
			if err := CullStudent(newOverlay(docs), tenant, "s1"); err == nil {
				t.Fatal("a broken document was not reported")
			}
		})
	}
	t.Run("cull with a full page cut short", func(t *testing.T) {
		docs := clone(full)
		docs[PageKey(tenant, KindActor, "t1", 0)] = []byte(`{"entries":[]}`)
		if err := CullStudent(newOverlay(docs), tenant, "s1"); err == nil {
			t.Fatal("a short page was not reported")
		}
	})
	t.Run("cull of an entry its actor's trail lacks", func(t *testing.T) {
		docs := clone(full)
		docs[ActorKey(tenant, "m1")] = []byte(`{"count":0}`)
		if err := CullStudent(newOverlay(docs), tenant, "s1"); err == nil {
			t.Fatal("a copy the cull could not find was not reported")
		}
	})
	t.Run("cull of a student with no trail changes nothing", func(t *testing.T) {
		o := newOverlay(clone(base))
		if err := CullStudent(o, tenant, "nobody"); err != nil || o.Len() != 0 {
			t.Fatalf("%v, %d changes", err, o.Len())
		}
	})
}

type wrapped struct {
	plan.FieldSet
	Extra *string `json:"extra,omitempty" personal:"true"`
	Other any     `json:"other,omitempty"`
}

func (wrapped) EventType() string { return "test.wrapped" }

type named string

func (named) EventType() string { return "test.named" }

func TestPersonalContentIsWhatTheCodecSeals(t *testing.T) {
	s := "x"
	for _, tc := range []struct {
		name string
		ev   domain.Event
		want bool
	}{
		{"a comment", assessment.EntryCommentSet{Comment: "x"}, true},
		{"an empty comment", assessment.EntryCommentSet{}, false},
		{"a level", assessment.EntryLevelSet{Level: "E"}, false},
		{"only a reason", assessment.EntryAmended{Field: "level", Level: "C", Reason: "x"}, true},
		{"no agreements", plan.AgreementsRecorded{Agreements: []string{}}, false},
		{"agreements", plan.AgreementsRecorded{Agreements: []string{"x"}}, true},
		{"a pointer to an event", &assessment.EntryCommentSet{Comment: "x"}, true},
		{"a nil pointer", (*assessment.EntryCommentSet)(nil), false},
		{"an embedded event", wrapped{FieldSet: plan.FieldSet{Text: "x"}}, true},
		{"a personal pointer", wrapped{Extra: &s}, true},
		{"nothing set", wrapped{Other: 1}, false},
		{"not a struct", named("x"), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := hasPersonal(tc.ev); got != tc.want {
				t.Fatalf("hasPersonal = %v", got)
			}
		})
	}
}
