package audit

import (
	"bytes"
	"encoding/json"
	"errors"
	"slices"
	"testing"

	"github.com/iup-platform/iup/domain"
	"github.com/iup-platform/iup/domain/assessment"
	"github.com/iup-platform/iup/domain/plan"
	"github.com/iup-platform/iup/domain/risk"
	"github.com/iup-platform/iup/domain/roster"
	"github.com/iup-platform/iup/projections"
	"github.com/iup-platform/iup/projections/projectiontest"
)

const planStream = "plan-kommun.s1.2026-2027.HT"

// fullHistory adds to history a plan with a sensitive field, a goal, an
// evaluation and agreements, a withdrawn entry, a risk signal, the
// student's own comment, the roster, and another student's comment by the
// same teacher, which a cull of s1 must leave alone.
func fullHistory() *projectiontest.Log {
	l := history()
	l.Add("rosterstudent-kommun.s1", day("2027-03-01"), admin,
		roster.StudentRegistered{StudentID: "s1", SchoolID: "sk1", Grade: 4, SchoolForm: "grundskola", DisplayName: "Ella Åström", EffectiveFrom: d("2026-08-17")},
		roster.StudentRenamed{StudentID: "s1", DisplayName: "Ella Berg"})
	l.Add(planStream, day("2027-03-02"), mentor,
		plan.Created{PlanID: "s1.2026-2027.HT", StudentID: "s1", Term: ht, TemplateID: "iup", TemplateVersion: 1, Title: "IUP HT",
			Start: d("2026-08-17"), End: d("2026-12-20"),
			Fields: []plan.FieldDef{{Key: "health", Heading: "Hälsa", VisibleTo: []domain.Role{domain.RoleMentor}, EditableBy: []domain.Role{domain.RoleMentor}, Sensitive: true}}},
		plan.FieldSet{PlanID: "s1.2026-2027.HT", StudentID: "s1", Key: "health", Text: "Astma, behöver pauser.", Sensitive: true},
		plan.FieldSet{PlanID: "s1.2026-2027.HT", StudentID: "s1", Key: "health", Text: "Astma.", Sensitive: true},
		plan.GoalAdded{PlanID: "s1.2026-2027.HT", StudentID: "s1", GoalID: "g-1", Text: "Läsa 20 minuter varje dag.", Owner: plan.OwnerStudent, FollowUp: d("2026-12-01")},
		plan.GoalEvaluated{PlanID: "s1.2026-2027.HT", StudentID: "s1", GoalID: "g-1", Outcome: plan.Met, Comment: "Har läst varje kväll."},
		plan.AgreementsRecorded{PlanID: "s1.2026-2027.HT", StudentID: "s1", ConferenceID: "k1", Agreements: []string{"Läxhjälp på tisdagar."}},
		plan.Published{PlanID: "s1.2026-2027.HT", StudentID: "s1"})
	l.Add("assessmententry-kommun.r1.s1", day("2027-03-03"), teacher,
		assessment.EntryWithdrawn{RoundID: "r1", StudentID: "s1", Reason: "Fel elev."},
		assessment.EntryLevelSet{RoundID: "r1", StudentID: "s1", Level: "E"},
		assessment.EntryCommentSet{RoundID: "r1", StudentID: "s1", Comment: ""})
	l.Add("assessmententry-kommun.r1.s1", day("2027-03-03"), domain.Actor{Tenant: tenant, ID: "s1", Role: domain.RoleStudent},
		assessment.SelfCommentSet{RoundID: "r1", StudentID: "s1", Comment: "Jag tycker om geometri."})
	l.Add("risksignal-kommun.s1.MA", day("2027-03-04"), teacher,
		risk.RiskSignalled{StudentID: "s1", Subject: "MA", Term: ht, CourseID: "ma1", Grade: 4, Note: "Missar prov."},
		risk.RiskWithdrawn{StudentID: "s1", Subject: "MA", Reason: "Klarade omprovet."})
	l.Add("assessmententry-kommun.r1.s2", day("2027-03-05"), teacher,
		assessment.EntryCommentSet{RoundID: "r1", StudentID: "s2", Comment: "Skriver tydliga lösningar."})
	return l
}

func TestCulling(t *testing.T) {
	live := fullHistory().Events()
	culled := cullLikeCodec(t, live, "s1")
	texts := personalTexts(t, live, "s1")
	if len(texts) < 10 {
		t.Fatalf("the history has too few texts of s1 to prove anything: %v", texts)
	}

	t.Run("the live view holds the student's texts before the cull", func(t *testing.T) {
		docs := map[string][]byte{}
		build(t, docs, live)
		for _, s := range []string{"Astma.", "Fel elev.", "Läxhjälp på tisdagar.", "Missar prov."} {
			if !anyHolds(docs, s) {
				t.Errorf("no document holds %q", s)
			}
		}
	})
	t.Run("a rebuild from the culled log holds no text of the student", func(t *testing.T) {
		docs := map[string][]byte{}
		build(t, docs, culled)
		noneHolds(t, docs, texts)
		if !anyHolds(docs, "Skriver tydliga lösningar.") {
			t.Error("another student's text went with the cull")
		}
	})
	t.Run("culling the live view equals the rebuild, and culling twice changes nothing", func(t *testing.T) {
		liveDocs, rebuilt := map[string][]byte{}, map[string][]byte{}
		build(t, liveDocs, live)
		build(t, rebuilt, culled)
		before := raw(clone(rebuilt))
		run(t, liveDocs, func(tx projections.Tx) error { return CullStudent(tx, tenant, "s1") })
		run(t, rebuilt, func(tx projections.Tx) error { return CullStudent(tx, tenant, "s1") })
		sameView(t, raw(liveDocs), raw(rebuilt))
		sameView(t, before, raw(rebuilt))
		noneHolds(t, liveDocs, texts)
		run(t, liveDocs, func(tx projections.Tx) error { return CullStudent(tx, tenant, "s1") })
		sameView(t, raw(liveDocs), raw(rebuilt))
	})
	t.Run("culled events show as culled with no texts, levels and refs kept", func(t *testing.T) {
		v := projectiontest.View(t, Projection, culled)
		var p PageDoc
		projectiontest.Doc(t, v, PageKey(tenant, KindStudent, "s1", 0), &p)
		var amended, level *Entry
		for i := range p.Entries {
			e := &p.Entries[i]
			if e.Type == "assessment.entry-amended" && e.What == "level" {
				amended = e
			}
			if e.Type == "assessment.entry-level-set" && level == nil {
				level = e
			}
		}
		if amended == nil || !amended.Culled || amended.Reason != "" || amended.After.Level != "C" || amended.Before.Level != "E" || !amended.Amendment {
			t.Fatalf("culled amendment: %+v", amended)
		}
		if level == nil || level.Culled {
			t.Fatalf("a level carries no personal content and is not culled: %+v", level)
		}
	})
	t.Run("a stream culled whole in the log leaves no text of it", func(t *testing.T) {
		l := fullHistory()
		l.Cull(planStream).Cull(entryStream)
		evs := l.Events()
		var gone []string
		for i, ev := range evs {
			if ev.Stream == planStream || ev.Stream == entryStream {
				gone = append(gone, personalTexts(t, evs[i:i+1], "s1")...)
				evs[i].Event = emptied(t, ev.Event)
			}
		}
		v := projectiontest.View(t, Projection, evs)
		docs := map[string][]byte{}
		for k, b := range v {
			docs[k] = b
		}
		noneHolds(t, docs, gone)
		var p PageDoc
		projectiontest.Doc(t, v, PageKey(tenant, KindStudent, "s1", 0), &p)
		for _, e := range p.Entries {
			if (e.Stream == planStream || e.Stream == entryStream) && !e.Culled {
				t.Errorf("entry of a culled stream not marked culled: %+v", e)
			}
		}
	})
}

// emptied returns ev with its personal members removed, as the codec
// decodes it once the key is gone.
func emptied(t *testing.T, ev domain.Event) domain.Event {
	t.Helper()
	out := cullLikeCodec(t, []projections.Event{{Envelope: domain.Envelope{Event: ev}}}, dataSubject(ev))
	return out[0].Event
}

func dataSubject(ev domain.Event) string {
	if ds, ok := ev.(domain.DataSubject); ok {
		return ds.DataSubject()
	}
	return ""
}

func clone(m map[string][]byte) map[string][]byte {
	out := make(map[string][]byte, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

func anyHolds(docs map[string][]byte, s string) bool {
	for _, b := range docs {
		if bytes.Contains(b, []byte(s)) {
			return true
		}
	}
	return false
}

func noneHolds(t *testing.T, docs map[string][]byte, texts []string) {
	t.Helper()
	for k, b := range docs {
		for _, s := range texts {
			if bytes.Contains(b, []byte(s)) {
				t.Errorf("document %s still holds %q", k, s)
			}
		}
	}
}

// A cull that fails partway (the store's read of the student's streams
// fails after the trails were blanked) is rolled back: the documents the
// overlay keeps decoded read back as they were, and the retry culls as one
// that never failed.
func TestACullThatFailsPartwayLeavesTheCachedDocumentsAsTheyWere(t *testing.T) {
	docs := map[string][]byte{}
	build(t, docs, fullHistory().Events())
	fail := true
	o := projections.NewOverlay(func(k string) ([]byte, error) {
		if fail && k == streamsKey(tenant, "s1") {
			return nil, errors.New("read failed")
		}
		return docs[k], nil
	})
	keys := []string{PageKey(tenant, KindStudent, "s1", 0), PageKey(tenant, KindActor, "t1", 0), prevKey(tenant, entryStream),
		StudentKey(tenant, "s1"), ActorKey(tenant, "t1")}
	read := func() []string {
		var out []string
		for _, k := range keys {
			var v any
			var found bool
			var err error
			switch k {
			case prevKey(tenant, entryStream):
				var d prevDoc
				found, err = projections.GetJSON(o, k, &d)
				v = d
			case StudentKey(tenant, "s1"), ActorKey(tenant, "t1"):
				var d Head
				found, err = projections.GetJSON(o, k, &d)
				v = d
			default:
				var d PageDoc
				found, err = projections.GetJSON(o, k, &d)
				v = d
			}
			if err != nil || !found {
				t.Fatalf("%s: %v, found %v", k, err, found)
			}
			b, err := json.Marshal(v)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, string(b))
		}
		return out
	}
	before := read() // now cached, decoded
	o.Begin()
	if err := CullStudent(o, tenant, "s1"); err == nil {
		t.Fatal("the cull did not fail")
	}
	o.Rollback()
	if after := read(); !slices.Equal(after, before) {
		t.Fatalf("a rolled-back cull left its mark:\n%s\nwas\n%s", after, before)
	}
	fail = false
	o.Begin()
	if err := CullStudent(o, tenant, "s1"); err != nil {
		t.Fatal(err)
	}
	o.Commit()
	changes, err := o.Changes()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range changes {
		docs[c.Key] = c.Value
	}
	clean := map[string][]byte{}
	build(t, clean, fullHistory().Events())
	run(t, clean, func(tx projections.Tx) error { return CullStudent(tx, tenant, "s1") })
	sameView(t, raw(docs), raw(clean))
}
