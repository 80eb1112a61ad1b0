package handlers

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/iup-platform/iup/domain"
)

const canary = "CANARY-hidden-from-home"

// readWorld is the organiser of setupOrganiser in the autumn: s1's HT plan
// with a visible and a guardian-hidden text, published; a published
// Swedish round with a level and comment for the class.
func readWorld(t *testing.T) (*apiHarness, func(name, method, path, token string, body any, want int, headers ...string) resp, string) {
	t.Helper()
	h := newFullHarness(t)
	step := h.stepper(t)
	setupOrganiser(t, h, "kommun1")
	h.clock.Day("2025-09-01")
	mentor := h.token("kommun1", "mentor1", domain.RoleMentor)
	step("plans", "POST", "/v1/plans:bulk", mentor, map[string]any{"template_id": "tpl1", "term": "sy25:HT",
		"title": "IUP HT 2025", "start": "2025-08-18", "end": "2025-12-19", "student_ids": []string{"s1", "s2", "s3"}}, 200)
	step("school does", "PUT", "/v1/plans/s1.sy25.HT/fields/school_does", mentor, map[string]any{"text": "Läsa mer varje dag"}, 200)
	h.clock.Day("2025-09-02")
	step("staff notes", "PUT", "/v1/plans/s1.sy25.HT/fields/staff_notes", mentor, map[string]any{"text": canary}, 200)
	step("s2 staff notes", "PUT", "/v1/plans/s2.sy25.HT/fields/staff_notes", mentor, map[string]any{"text": canary}, 200)
	step("publish", "POST", "/v1/plans/s1.sy25.HT/publish", mentor, nil, 200)
	step("publish s2", "POST", "/v1/plans/s2.sy25.HT/publish", mentor, nil, 200)
	teacher := h.token("kommun1", "teacher1", domain.RoleTeacher)
	h.clock.Day("2025-10-20")
	step("round", "POST", "/v1/courses/sv4/assessments", teacher, map[string]any{"id": "r-sv", "term": "sy25:HT",
		"title": "Omdöme HT", "scale_id": "scale3", "self_assessment": true}, 201)
	step("level", "POST", "/v1/assessments/r-sv/levels:bulk", teacher, map[string]any{"level": "2", "student_ids": []string{"s1", "s2", "s3"}}, 200)
	step("comment", "PUT", "/v1/assessments/r-sv/entries/s1", teacher, map[string]any{"comment": "Läser flytande."}, 200)
	last := step("publish round", "POST", "/v1/assessments/r-sv/publish", teacher, nil, 200)
	h.clock.Day("2025-10-21")
	// Everything below reads after the last write.
	return h, step, last.Header.Get(ConsistencyHeader)
}

func TestGuardianReadsTheirChildWithoutHiddenFields(t *testing.T) {
	h, step, last := readWorld(t)
	g1 := h.token("kommun1", "g1", domain.RoleGuardian)
	g3 := h.token("kommun1", "g3", domain.RoleGuardian)
	mentor := h.token("kommun1", "mentor1", domain.RoleMentor)
	tok := []string{ConsistencyHeader, last}

	home := step("home", "GET", "/v1/students/s1/home", g1, nil, 200, tok...)
	if home.Header.Get(StaleHeader) != "" {
		t.Fatalf("the view did not catch up within the bound")
	}
	if !strings.Contains(string(home.Body), "Läsa mer varje dag") || !strings.Contains(string(home.Body), "Läser flytande.") {
		t.Fatalf("the guardian's home lacks the plan or the omdöme: %s", home.Body)
	}
	plan := step("plan", "GET", "/v1/plans/s1.sy25.HT", g1, nil, 200, tok...)
	for _, r := range []resp{home, plan, step("children", "GET", "/v1/guardians/g1/children", g1, nil, 200, tok...),
		step("history", "GET", "/v1/plans/s1.sy25.HT/history", g1, nil, 200, tok...),
		step("snapshot", "GET", "/v1/students/s1/terms/sy25:HT/snapshot", g1, nil, 200, tok...)} {
		if strings.Contains(string(r.Body), canary) {
			t.Fatalf("a guardian got the hidden text: %s", r.Body)
		}
	}
	if !strings.Contains(string(step("mentor plan", "GET", "/v1/plans/s1.sy25.HT", mentor, nil, 200).Body), canary) {
		t.Fatal("the mentor does not see the staff-only field")
	}
	// Another guardian's child, and a child that does not exist, answer alike.
	a := step("other child", "GET", "/v1/students/s1/home", g3, nil, 404)
	b := step("no child", "GET", "/v1/students/nobody/home", g3, nil, 404)
	if a.json(t)["detail"] != b.json(t)["detail"] {
		t.Fatalf("a refusal differs from a missing record: %s vs %s", a.Body, b.Body)
	}
}

func TestTimeTravelAndHistory(t *testing.T) {
	h, step, _ := readWorld(t)
	mentor := h.token("kommun1", "mentor1", domain.RoleMentor)
	// Revision 1 is the first field text; the staff note came a day later.
	r1 := step("revision 1", "GET", "/v1/plans/s1.sy25.HT?revision=1", mentor, nil, 200)
	var p PlanAt
	if err := json.Unmarshal(r1.Body, &p); err != nil {
		t.Fatal(err)
	}
	texts := map[string]string{}
	for _, f := range p.Fields {
		texts[f.Key] = f.Text
	}
	if p.Revision != 1 || texts["school_does"] != "Läsa mer varje dag" || texts["staff_notes"] != "" || p.Published {
		t.Fatalf("plan at revision 1 = %+v", p)
	}
	// as_of is transaction time: the store's recorded-at, not the school day.
	asOf := step("as of", "GET", "/v1/plans/s1.sy25.HT?as_of="+p.RecordedAt.Format(time.RFC3339Nano), mentor, nil, 200)
	if strings.Contains(string(asOf.Body), canary) || asOf.json(t)["revision"] != 1.0 {
		t.Fatalf("the plan as of revision 1's instant is not revision 1: %s", asOf.Body)
	}
	step("before the plan", "GET", "/v1/plans/s1.sy25.HT?as_of=2025-01-01T00:00:00Z", mentor, nil, 404)
	for _, bad := range []string{"?as_of=yesterday", "?revision=-1", "?revision=x", "?as_of=2025-09-01T00:00:00Z&revision=1"} {
		if p := step("bad "+bad, "GET", "/v1/plans/s1.sy25.HT"+bad, mentor, nil, 400).json(t); p["type"] != ProblemInvalid {
			t.Fatalf("%s: %v", bad, p)
		}
	}
	hist := step("history", "GET", "/v1/plans/s1.sy25.HT/history", mentor, nil, 200)
	var out struct{ Revisions []Revision }
	if err := json.Unmarshal(hist.Body, &out); err != nil {
		t.Fatal(err)
	}
	var found bool
	for _, r := range out.Revisions {
		for _, c := range r.Changes {
			if c.Field == "field:staff_notes" && c.Before == nil && c.After != nil && *c.After == canary && r.ActorID == "mentor1" && r.Role == domain.RoleMentor {
				found = true
			}
		}
	}
	if !found {
		t.Fatalf("the history lacks the staff note's change by mentor1: %s", hist.Body)
	}
	entry := step("entry at 0", "GET", "/v1/assessments/r-sv/entries/s1?revision=0", mentor, nil, 200).json(t)
	if entry["level"] != "2" || entry["comment"] != "" {
		t.Fatalf("entry at revision 0 = %v", entry)
	}
}

func TestReadAccessIsLoggedApartFromTheAggregates(t *testing.T) {
	h, step, _ := readWorld(t)
	g1 := h.token("kommun1", "g1", domain.RoleGuardian)
	admin := h.token("kommun1", "admin1", domain.RoleAdmin)
	ctx := context.Background()
	head, err := h.store.HeadPosition(ctx)
	if err != nil {
		t.Fatal(err)
	}
	step("guardian reads the plan", "GET", "/v1/plans/s1.sy25.HT", g1, nil, 200)
	log := step("access log", "GET", "/v1/access-log?student=s1", admin, nil, 200)
	var out struct{ Entries []AccessEntry }
	if err := json.Unmarshal(log.Body, &out); err != nil {
		t.Fatal(err)
	}
	if len(out.Entries) == 0 || out.Entries[0].ActorID != "g1" || out.Entries[0].What != "plan" || out.Entries[0].Role != domain.RoleGuardian {
		t.Fatalf("the guardian's read is not the newest entry: %s", log.Body)
	}
	after, err := h.store.HeadPosition(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if after != head {
		evs, _ := h.store.ReadAll(ctx, head, 10)
		t.Fatalf("reads wrote to the event store: %v", evs)
	}
	step("a guardian may not read the log", "GET", "/v1/access-log?student=s1", g1, nil, 404)
	step("a principal may not read the log", "GET", "/v1/access-log?student=s1", h.token("kommun1", "p1", domain.RolePrincipal), nil, 404)
}
