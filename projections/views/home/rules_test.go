package home

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/iup-platform/iup/domain"
	"github.com/iup-platform/iup/domain/assessment"
	"github.com/iup-platform/iup/domain/conference"
	"github.com/iup-platform/iup/domain/plan"
	"github.com/iup-platform/iup/domain/roster"
	"github.com/iup-platform/iup/projections"
	"github.com/iup-platform/iup/projections/projectiontest"
	"github.com/iup-platform/iup/projections/views/relations"
)

// personal is every personal text of history(false).
var personal = []string{"Ella Åström", "Extra lästräning i oktober", "Läsa hemma", canary, "Astma", "Läsa en bok i månaden",
	"Oktobertext", "Klassrum 4A", "Intern anteckning", "Läsa 20 minuter", "Decembertext", "Opublicerad text", "VT-plan",
	"Jag kan multiplikation", "Missat prov", "Åtgärdsprogram utreds"}

func TestHomeSeesOnlyWhatTheTemplateAllows(t *testing.T) {
	events := history(false).Events()
	gv := served(projectiontest.View(t, GuardianView, events))
	sv := served(projectiontest.View(t, StudentView, events))
	t.Run("a field hidden from guardians and students never reaches their documents", func(t *testing.T) {
		for k, b := range merge(gv, sv) {
			if bytes.Contains(b, []byte(canary)) {
				t.Errorf("%s carries the staff-only text", k)
			}
		}
	})
	t.Run("a sensitive field is shown only in the plan, flagged, and not to the student", func(t *testing.T) {
		var c Child
		projectiontest.Doc(t, gv, ChildKey(tn, "s1"), &c)
		if n := strings.Count(string(gv[ChildKey(tn, "s1")]), "Astma"); n != 1 {
			t.Errorf("sensitive text appears %d times in the child document, want once (in the plan)", n)
		}
		f := c.Plans[0].Fields[len(c.Plans[0].Fields)-1]
		if f.Key != "health" || !f.Sensitive {
			t.Errorf("sensitive field = %+v", f)
		}
		if bytes.Contains(sv[StudentKey(tn, "s1")], []byte("Astma")) {
			t.Error("the student sees a field only guardians may see")
		}
	})
	t.Run("internal notes and a hidden support matter never reach the home", func(t *testing.T) {
		for k, b := range merge(gv, sv) {
			for _, s := range []string{"Intern anteckning", "Åtgärdsprogram"} {
				if bytes.Contains(b, []byte(s)) {
					t.Errorf("%s carries %q", k, s)
				}
			}
		}
	})
}

func merge(ms ...map[string]json.RawMessage) map[string]json.RawMessage {
	out := map[string]json.RawMessage{}
	for _, m := range ms {
		for k, v := range m {
			out[k] = v
		}
	}
	return out
}

func TestGuardianAccessIsJudgedByDate(t *testing.T) {
	log := history(false).Add(roster.StudentStream(tn, "s1"), at("2027-02-20T08:00:00Z"), admin,
		roster.GuardianUnlinked{StudentID: "s1", GuardianID: "gA", EffectiveFrom: d("2027-03-01")})
	v := projectiontest.View(t, GuardianView, log.Events())
	var gA, gB Guardian
	projectiontest.Doc(t, v, GuardianKey(tn, "gA"), &gA)
	projectiontest.Doc(t, v, GuardianKey(tn, "gB"), &gB)
	t.Run("under shared custody both guardians see the child", func(t *testing.T) {
		if len(gA.Visible(d("2026-11-01"))) != 1 || len(gB.Visible(d("2026-11-01"))) != 1 {
			t.Errorf("gA %v gB %v", gA.Visible(d("2026-11-01")), gB.Visible(d("2026-11-01")))
		}
	})
	t.Run("a restricted guardian sees nothing of the child from the restriction on", func(t *testing.T) {
		if gB.Children[0].Sees("gB", d("2027-01-15")) || !gB.Children[0].Sees("gB", d("2027-01-14")) {
			t.Error("restriction of gB not judged on its date")
		}
		if !gA.Children[0].Sees("gA", d("2027-01-15")) {
			t.Error("the other guardian lost access too")
		}
	})
	t.Run("nobody sees the child after the relation ends", func(t *testing.T) {
		if got := gA.Visible(d("2027-03-01")); len(got) != 0 {
			t.Errorf("gA still sees %v after the relation ended", got)
		}
		want := wantGuardian("gA")
		want.Children[0].Relations[0].To = d("2027-03-01")
		compareDoc(t, v, GuardianKey(tn, "gA"), want)
	})
	t.Run("another responsible adult is listed but sees nothing", func(t *testing.T) {
		log := history(false).Add(roster.StudentStream(tn, "s1"), at("2026-08-10T09:00:00Z"), admin,
			roster.GuardianLinked{StudentID: "s1", GuardianID: "gC", Relation: "annan_ansvarig", EffectiveFrom: from})
		var gC Guardian
		projectiontest.Doc(t, projectiontest.View(t, GuardianView, log.Events()), GuardianKey(tn, "gC"), &gC)
		if len(gC.Children) != 1 || len(gC.Visible(d("2026-11-01"))) != 0 {
			t.Errorf("gC = %+v", gC)
		}
	})
	t.Run("before the relation began nobody sees the child", func(t *testing.T) {
		if gA.Children[0].Sees("gA", d("2026-08-16")) {
			t.Error("access before the relation")
		}
	})
}

func compareDoc(t *testing.T, v map[string]json.RawMessage, key string, want any) {
	t.Helper()
	wb, _ := json.Marshal(want)
	if string(v[key]) != string(wb) {
		t.Errorf("%s\n got %s\nwant %s", key, v[key], wb)
	}
}

func TestPublication(t *testing.T) {
	t.Run("a round published for later is shown from that instant", func(t *testing.T) {
		c := wantChild()
		if got := c.At(at("2026-12-18T06:59:59Z")); len(got.Terms) != 0 {
			t.Errorf("before publish_at the guardian sees %+v", got.Terms)
		}
		if got := c.At(at("2026-12-18T07:00:00Z")); len(got.Terms) != 1 || got.Terms[0].Entries[0].Comment == "" {
			t.Errorf("at publish_at the guardian sees %+v", got.Terms)
		}
	})
	t.Run("before publication the student keeps only their own self-assessment", func(t *testing.T) {
		s := wantStudent()
		s.Terms[0].Entries[0].SelfLevel = "2"
		got := s.At(at("2026-12-01T00:00:00Z"))
		if len(got.Terms) != 2 {
			t.Fatalf("terms = %+v", got.Terms)
		}
		e := got.Terms[0].Entries[0]
		if e.Level != "" || e.Comment != "" || e.Amended || e.SelfLevel != "2" {
			t.Errorf("unpublished entry for the student = %+v", e)
		}
		if got.Terms[1].Entries[0].SelfComment != "Jag kan multiplikation" {
			t.Errorf("own self-assessment lost: %+v", got.Terms[1])
		}
	})
	t.Run("unpublishing a round removes its entries from the home", func(t *testing.T) {
		log := history(false).Add(assessment.RoundStream(tn, "r1"), at("2027-02-20T08:00:00Z"), teacher, assessment.RoundUnpublished{RoundID: "r1"})
		want := wantChild()
		want.Terms = []HomeTerm{}
		compare(t, projectiontest.View(t, GuardianView, log.Events()), map[string]any{
			GuardianKey(tn, "gA"): wantGuardian("gA"),
			GuardianKey(tn, "gB"): wantGuardian("gB", relations.Period{ID: "gB", From: d("2027-01-15")}),
			ChildKey(tn, "s1"):    want,
		})
		var s Snapshot
		projectiontest.Doc(t, projectiontest.View(t, TermSnapshot, log.Events()), TermSnapshotKey(tn, "s1", ht), &s)
		if s.Assessments[0].PublishAt != nil || s.Assessments[0].Comment == "" {
			t.Errorf("staff snapshot after unpublish = %+v", s.Assessments[0])
		}
	})
	t.Run("an unpublished plan leaves the home", func(t *testing.T) {
		log := history(false).Add(htStream, at("2027-02-20T08:00:00Z"), mentor, plan.Unpublished{PlanID: plan.ID("s1", ht), StudentID: "s1"})
		want := wantStudent()
		want.Plans = []HomePlan{}
		compare(t, projectiontest.View(t, StudentView, log.Events()), map[string]any{StudentKey(tn, "s1"): want})
	})
}

func TestCulledContent(t *testing.T) {
	events := history(true).Events()
	for _, p := range views {
		t.Run(p.Name+": no personal text survives in any document, helpers included", func(t *testing.T) {
			for k, b := range projectiontest.View(t, p, events) {
				for _, s := range personal {
					if bytes.Contains(b, []byte(s)) {
						t.Errorf("%s keeps %q after the cull", k, s)
					}
				}
			}
		})
	}
	t.Run("culled content is shown as culled", func(t *testing.T) {
		var c Child
		projectiontest.Doc(t, projectiontest.View(t, GuardianView, events), ChildKey(tn, "s1"), &c)
		if f := c.Plans[0].Fields[0]; !f.Culled || f.Text != "" {
			t.Errorf("field = %+v", f)
		}
		if g := c.Plans[0].Goals[0]; !g.Culled || g.Text != "" {
			t.Errorf("goal = %+v", g)
		}
		if a := c.Plans[0].Agreements[0]; !a.Culled || len(a.Texts) != 0 {
			t.Errorf("agreement = %+v", a)
		}
		if e := c.Terms[0].Entries[0]; !e.Culled || e.Comment != "" || e.Level != "3" {
			t.Errorf("entry = %+v", e)
		}
		if k := c.Conferences[0]; !k.Culled || k.Place != "" || len(k.Agreements) != 0 {
			t.Errorf("conference = %+v", k)
		}
	})
	t.Run("the record and the snapshot show the cull", func(t *testing.T) {
		want := wantRecord()
		want.Culled, want.Notes, want.Agreements = true, "", []string{}
		want.ActionProgramme = &ActionProgramme{Culled: true}
		want.Plan.Goals = []Goal{{GoalID: "g1", Owner: plan.OwnerStudent, FollowUp: d("2026-12-01"), Culled: true}}
		for i := range want.Plan.Fields {
			want.Plan.Fields[i].Text, want.Plan.Fields[i].Culled = "", true
		}
		want.Entries[0].Comment, want.Entries[0].Culled = "", true
		compare(t, projectiontest.View(t, ConferenceRecord, events), map[string]any{ConferenceRecordKey(tn, "k1"): want})
		var s Snapshot
		projectiontest.Doc(t, projectiontest.View(t, TermSnapshot, events), TermSnapshotKey(tn, "s1", ht), &s)
		if a := s.Assessments[0].Amendments[0]; !a.Culled || a.Reason != "" || a.Level != "3" {
			t.Errorf("amendment = %+v", a)
		}
	})
}

func TestProtectedIdentity(t *testing.T) {
	log := history(false).Add(roster.StudentStream(tn, "s1"), at("2027-02-20T08:00:00Z"), admin,
		roster.StudentProtectionChanged{StudentID: "s1", Protected: "skyddad_folkbokforing", EffectiveFrom: d("2027-02-20")})
	for _, p := range views {
		t.Run(p.Name+": every document of the child says protected", func(t *testing.T) {
			docs := served(projectiontest.View(t, p, log.Events()))
			if len(docs) == 0 {
				t.Fatal("no documents")
			}
			for k, b := range docs {
				if !bytes.Contains(b, []byte(`"protected":true`)) || bytes.Contains(b, []byte(`"protected":false`)) {
					t.Errorf("%s is not marked protected: %s", k, b)
				}
			}
		})
	}
}

func TestReplayIsByteIdentical(t *testing.T) {
	for _, p := range views {
		a := projectiontest.View(t, p, history(false).Events())
		b := projectiontest.View(t, p, history(false).Events())
		if len(a) != len(b) {
			t.Fatalf("%s: %d vs %d documents", p.Name, len(a), len(b))
		}
		for k := range a {
			if !bytes.Equal(a[k], b[k]) {
				t.Errorf("%s: %s differs between replays", p.Name, k)
			}
		}
	}
}

func TestEventsWithoutTenantAreRefused(t *testing.T) {
	for _, p := range views {
		o := projections.NewOverlay(func(string) ([]byte, error) { return nil, nil })
		err := p.Apply(o, projections.Event{Envelope: domain.Envelope{Event: conference.Acknowledged{ConferenceID: "k1", StudentID: "s1", GuardianID: "gA"}}})
		if err == nil {
			t.Errorf("%s placed an event without a tenant", p.Name)
		}
	}
}
