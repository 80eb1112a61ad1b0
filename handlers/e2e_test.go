package handlers

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/iup-platform/iup/domain"
	"github.com/iup-platform/iup/domain/assessment"
	"github.com/iup-platform/iup/eventstore"
)

// The flow of issue 5 over real HTTP, on the store, codec and read side
// iupd serve runs: an organiser sets up a school year, a scale, a template
// with a guardian-hidden field and a class; the mentor makes the plans in
// one request; teachers write omdömen in bulk; a student self-assesses; the
// talk is held in November; the plan is published; both guardians
// acknowledge; in February a teacher amends the HT omdöme with a reason.
func TestEndToEndTermFlow(t *testing.T) {
	h := newFullHarness(t)
	const tenant = "kommun1"
	step := h.stepper(t)

	setupOrganiser(t, h, tenant)
	class := []string{"s1", "s2", "s3"}

	// September: the mentor makes the class's plans in one request.
	h.clock.Day("2025-09-01")
	mentor := h.token(tenant, "mentor1", domain.RoleMentor)
	plans := step("plans for the class", "POST", "/v1/plans:bulk", mentor, map[string]any{"template_id": "tpl1", "term": "sy25:HT",
		"title": "IUP HT 2025", "start": "2025-08-18", "end": "2025-12-19", "student_ids": class}, 200)
	assertBulk(t, plans, "created", len(class))
	planID := "s1.sy25.HT"
	step("school does", "PUT", "/v1/plans/"+planID+"/fields/school_does", mentor, map[string]any{"text": "Läsa mer varje dag"}, 200)
	step("staff notes", "PUT", "/v1/plans/"+planID+"/fields/staff_notes", mentor, map[string]any{"text": "CANARY-hidden-from-home"}, 200)
	step("goal", "POST", "/v1/plans/"+planID+"/goals", mentor, map[string]any{"id": "goal1", "text": "Läsa en bok i månaden",
		"owner": "student", "follow_up": "2026-01-20"}, 201)

	// October: teachers write omdömen, a level for the class in one request.
	h.clock.Day("2025-10-20")
	teacher1 := h.token(tenant, "teacher1", domain.RoleTeacher)
	teacher2 := h.token(tenant, "teacher2", domain.RoleTeacher)
	for _, r := range []struct{ id, course, tok string }{{"r-sv", "sv4", teacher1}, {"r-ma", "ma4", teacher2}} {
		step("round "+r.id, "POST", "/v1/courses/"+r.course+"/assessments", r.tok, map[string]any{"id": r.id, "term": "sy25:HT",
			"title": "Omdöme HT", "scale_id": "scale3", "self_assessment": true}, 201)
		assertBulk(t, step("bulk level "+r.id, "POST", "/v1/assessments/"+r.id+"/levels:bulk", r.tok,
			map[string]any{"level": "2", "student_ids": class}, 200), "ok", len(class))
		step("comment "+r.id, "PUT", "/v1/assessments/"+r.id+"/entries/s1", r.tok, map[string]any{"comment": "Läser flytande i november."}, 200)
		step("publish "+r.id, "POST", "/v1/assessments/"+r.id+"/publish", r.tok, nil, 200)
	}
	student := h.token(tenant, "s1", domain.RoleStudent)
	step("self-assessment", "PUT", "/v1/assessments/r-sv/entries/s1/self-assessment", student,
		map[string]any{"level": "2", "comment": "Jag läser mer nu."}, 200)

	// November: the talk, held; the plan is published.
	h.clock.Day("2025-11-03")
	step("schedule", "POST", "/v1/conferences", mentor, map[string]any{"id": "conf1", "student_id": "s1", "term": "sy25:HT",
		"at": "2025-11-12T14:00:00Z", "place": "Klassrum 3", "participants": []map[string]string{
			{"person_id": "s1", "role": "student"}, {"person_id": "g1", "role": "guardian"},
			{"person_id": "g2", "role": "guardian"}, {"person_id": "mentor1", "role": "mentor"}}}, 201)
	h.clock.Day("2025-11-12")
	held := step("held", "POST", "/v1/conferences/conf1/held", mentor, map[string]any{"attendees": []string{"s1", "g1", "g2", "mentor1"},
		"notes": "Samtalet i november.", "agreements": []string{"Läsa 20 minuter varje dag"}}, 200)
	heldAt := time.Now() // transaction time: the store's clock, not the school calendar
	if held.json(t)["plan_error"] != nil {
		t.Fatalf("agreements not copied into the plan: %s", held.Body)
	}
	published := step("publish plan", "POST", "/v1/plans/"+planID+"/publish", mentor, nil, 200)
	// Both guardians read the published plan (the guardian-hidden field
	// never reaches them) and then acknowledge the talk.
	for _, g := range []string{"g1", "g2"} {
		tok := h.token(tenant, g, domain.RoleGuardian)
		p := step(g+" reads the plan", "GET", "/v1/plans/"+planID, tok, nil, 200)
		var pl struct {
			Published bool `json:"published"`
			Fields    []struct{ Key, Text string }
			Goals     []struct {
				GoalID string `json:"goal_id"`
				Text   string `json:"text"`
			} `json:"goals"`
		}
		decode(t, p, &pl)
		if !pl.Published || len(pl.Fields) != 1 || pl.Fields[0].Key != "school_does" || pl.Fields[0].Text != "Läsa mer varje dag" {
			t.Fatalf("%s sees the plan as %s, want the published plan with school_does only", g, p.Body)
		}
		if len(pl.Goals) != 1 || pl.Goals[0].GoalID != "goal1" || pl.Goals[0].Text != "Läsa en bok i månaden" {
			t.Fatalf("%s sees the goals as %s", g, p.Body)
		}
		home := step(g+" reads the child's home", "GET", "/v1/students/s1/home", tok, nil, 200, ConsistencyHeader, published.Header.Get(ConsistencyHeader))
		if !strings.Contains(string(home.Body), "Läsa mer varje dag") {
			t.Fatalf("%s's home view lacks the published plan: %s", g, home.Body)
		}
		for _, r := range []resp{p, home} {
			if strings.Contains(string(r.Body), "CANARY") {
				t.Fatalf("a guardian-hidden field reached %s: %s", g, r.Body)
			}
		}
		step("acknowledge "+g, "POST", "/v1/conferences/conf1/acknowledgements", tok, nil, 200)
	}

	// January: the VT plans, made as the HT ones were.
	h.clock.Day("2026-01-12")
	step("VT plans", "POST", "/v1/plans:bulk", mentor, map[string]any{"template_id": "tpl1", "term": "sy25:VT",
		"title": "IUP VT 2026", "start": "2026-01-08", "end": "2026-06-12", "student_ids": class}, 200)

	// February: the HT omdöme is amended, with a reason.
	h.clock.Day("2026-02-10")
	step("amendment without a reason", "PUT", "/v1/assessments/r-sv/entries/s1", teacher1, map[string]any{"level": "3"}, 422)
	amended := step("amendment", "PUT", "/v1/assessments/r-sv/entries/s1", teacher1,
		map[string]any{"level": "3", "reason": "Ett prov rättades fel."}, 200)

	entry := h.load(assessment.EntryStream(tenant, "r-sv", "s1"))
	last := entry.Events[len(entry.Events)-1]
	if got := amended.Header.Get("ETag"); got != etag(domain.Version(last.Revision)) {
		t.Fatalf("ETag %s, stream at %d", got, last.Revision)
	}
	token := []string{ConsistencyHeader, amended.Header.Get(ConsistencyHeader)}

	// The HT term view shows the amendment: the new level, when it was
	// recorded, by whom and why.
	var ht termSnapshot
	decode(t, step("HT term view", "GET", "/v1/students/s1/terms/sy25:HT/snapshot", mentor, nil, 200, token...), &ht)
	sv := ht.entry(t, "r-sv")
	if sv.Level != "3" || len(sv.Amendments) != 1 {
		t.Fatalf("HT omdöme in the term view = %+v, want level 3 with one amendment", sv)
	}
	am := sv.Amendments[0]
	if am.Reason != "Ett prov rättades fel." || am.ActorID != "teacher1" || am.ActorRole != "teacher" ||
		!am.RecordedAt.Equal(last.RecordedAt) {
		t.Fatalf("amendment %+v, want teacher1's reason recorded at %s", am, last.RecordedAt)
	}

	// The VT plan does not show it: the HT omdöme stays in HT.
	var vt termSnapshot
	vtBody := step("VT term view", "GET", "/v1/students/s1/terms/sy25:VT/snapshot", mentor, nil, 200, token...)
	decode(t, vtBody, &vt)
	if vt.Plan == nil || vt.Plan.PlanID != "s1.sy25.VT" {
		t.Fatalf("VT term view has no VT plan: %s", vtBody.Body)
	}
	if len(vt.Assessments) != 0 || strings.Contains(string(vtBody.Body), "rättades") {
		t.Fatalf("the HT amendment moved into VT: %s", vtBody.Body)
	}
	vtPlan := step("VT plan", "GET", "/v1/plans/s1.sy25.VT", mentor, nil, 200)
	if strings.Contains(string(vtPlan.Body), "r-sv") || strings.Contains(string(vtPlan.Body), "rättades") {
		t.Fatalf("the VT plan mentions the HT omdöme: %s", vtPlan.Body)
	}

	// The record of the November talk shows the omdöme as it was then.
	var rec struct {
		Notes   string `json:"notes"`
		Entries []struct {
			RoundID    string `json:"round_id"`
			Version    int64  `json:"version"`
			Level      string `json:"level"`
			Comment    string `json:"comment"`
			Amendments []any  `json:"amendments"`
		} `json:"entries"`
	}
	decode(t, step("conference record", "GET", "/v1/conferences/conf1/record", mentor, nil, 200, token...), &rec)
	found := false
	for _, e := range rec.Entries {
		if e.RoundID == "r-sv" {
			found = true
			if e.Level != "2" || e.Comment != "Läser flytande i november." || len(e.Amendments) != 0 || e.Version >= int64(last.Revision) {
				t.Fatalf("the November record shows %+v, want level 2, the November comment and no amendment", e)
			}
		}
	}
	if !found || rec.Notes != "Samtalet i november." {
		t.Fatalf("the November record lacks the SV omdöme or the notes: %+v", rec)
	}
	// As it stood at the talk, folded from the store, agrees.
	asOf := "?as_of=" + url.QueryEscape(heldAt.Format(time.RFC3339Nano))
	var then struct{ Level, Comment string }
	decode(t, step("entry as of the talk", "GET", "/v1/assessments/r-sv/entries/s1"+asOf, mentor, nil, 200), &then)
	if then.Level != "2" || then.Comment != "Läser flytande i november." {
		t.Fatalf("entry as of the talk = %+v", then)
	}

	// The audit trail names the teacher.
	admin := h.token(tenant, "admin1", domain.RoleAdmin)
	var trail struct {
		Entries []struct {
			Type      string `json:"type"`
			ActorID   string `json:"actor_id"`
			Role      string `json:"role"`
			Amendment bool   `json:"amendment"`
			Reason    string `json:"reason"`
		} `json:"entries"`
	}
	decode(t, step("audit of s1", "GET", "/v1/students/s1/audit", admin, nil, 200, token...), &trail)
	if len(trail.Entries) == 0 {
		t.Fatal("empty audit trail")
	}
	top := trail.Entries[0] // newest first
	if !top.Amendment || top.ActorID != "teacher1" || top.Role != "teacher" || top.Reason != "Ett prov rättades fel." {
		t.Fatalf("newest audit entry %+v, want teacher1's amendment with its reason", top)
	}

	// Both guardians' reads are in the organiser's read access log.
	var log struct {
		Entries []struct {
			ActorID string `json:"actor_id"`
			What    string `json:"what"`
		} `json:"entries"`
	}
	decode(t, step("access log", "GET", "/v1/access-log?student=s1", admin, nil, 200), &log)
	readers := map[string]bool{}
	for _, e := range log.Entries {
		if e.What == "plan" {
			readers[e.ActorID] = true
		}
	}
	if !readers["g1"] || !readers["g2"] {
		t.Fatalf("the access log does not show both guardians reading the plan: %+v", log.Entries)
	}
}

// termSnapshot is the part of the term view the flow checks.
type termSnapshot struct {
	Plan *struct {
		PlanID string `json:"plan_id"`
	} `json:"plan"`
	Assessments []snapshotEntry `json:"assessments"`
}

type snapshotEntry struct {
	RoundID    string `json:"round_id"`
	Level      string `json:"level"`
	Amendments []struct {
		Reason     string    `json:"reason"`
		RecordedAt time.Time `json:"recorded_at"`
		ActorID    string    `json:"actor_id"`
		ActorRole  string    `json:"actor_role"`
	} `json:"amendments"`
}

func (s termSnapshot) entry(t *testing.T, round string) snapshotEntry {
	t.Helper()
	for _, e := range s.Assessments {
		if e.RoundID == round {
			return e
		}
	}
	t.Fatalf("no omdöme of round %s in the term view", round)
	panic("unreachable")
}

func decode(t *testing.T, r resp, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("decode %s: %v", r.Body, err)
	}
}

// load folds a stream through the harness's codec.
func (h *apiHarness) load(stream string) domain.Loaded {
	h.t.Helper()
	l, err := eventstore.NewDomainLog(h.store, h.codec).Load(context.Background(), stream)
	if err != nil {
		h.t.Fatal(err)
	}
	return l
}

func assertBulk(t *testing.T, r resp, status string, n int) {
	t.Helper()
	results, _ := r.json(t)["results"].([]any)
	if len(results) != n {
		t.Fatalf("%d results, want %d: %s", len(results), n, r.Body)
	}
	for _, x := range results {
		if m := x.(map[string]any); m["status"] != status {
			t.Fatalf("result %v, want status %s", m, status)
		}
	}
	if status != "unchanged" && r.Header.Get(ConsistencyHeader) == "" {
		t.Fatal("a bulk write without a consistency token")
	}
	_ = http.StatusOK
}

// stepper returns a request helper that fails the test on another status.
func (h *apiHarness) stepper(t *testing.T) func(name, method, path, token string, body any, want int, headers ...string) resp {
	return func(name, method, path, token string, body any, want int, headers ...string) resp {
		t.Helper()
		r := h.do(method, path, token, body, headers...)
		if r.Status != want {
			t.Fatalf("%s: %s %s = %d, want %d: %s", name, method, path, r.Status, want, r.Body)
		}
		return r
	}
}

// setupOrganiser is August at an organiser: subjects, a school, school year
// sy25 (HT and VT), a 3-step scale, template tpl1 with a field hidden from
// home, mentor1 mentoring class s1-s3, teacher1 (sv4) and teacher2 (ma4)
// teaching it, s1 with guardians g1 and g2, s2 with g3.
func setupOrganiser(t *testing.T, h *apiHarness, tenant string) {
	t.Helper()
	step := h.stepper(t)
	admin := h.token(tenant, "admin1", domain.RoleAdmin)
	// August: the organiser's setup.
	h.clock.Day("2025-08-11")
	step("subject SV", "PUT", "/v1/subjects/SV", admin, map[string]any{"name": "Svenska"}, 200)
	step("subject MA", "PUT", "/v1/subjects/MA", admin, map[string]any{"name": "Matematik"}, 200)
	step("school", "POST", "/v1/schools", admin, map[string]any{"id": "school1", "name": "Skolan", "school_forms": []string{"grundskola"}}, 201)
	step("school year", "POST", "/v1/school-years", admin, map[string]any{"id": "sy25", "school_id": "school1",
		"ht": map[string]string{"start": "2025-08-18", "end": "2025-12-19"},
		"vt": map[string]string{"start": "2026-01-08", "end": "2026-06-12"}}, 201)
	step("scale", "POST", "/v1/scales", admin, map[string]any{"id": "scale3", "name": "Tre steg", "steps": []map[string]string{
		{"key": "1", "label": "Inte godtagbara"}, {"key": "2", "label": "Godtagbara"}, {"key": "3", "label": "Mer än godtagbara"}}}, 201)
	everyone := []string{"admin", "principal", "mentor", "teacher", "student", "guardian"}
	staffOnly := []string{"admin", "principal", "mentor", "teacher"}
	step("template", "POST", "/v1/templates", admin, map[string]any{"id": "tpl1", "title": "IUP åk 4", "fields": []map[string]any{
		{"key": "school_does", "heading": "Skolan gör", "visible_to": everyone, "editable_by": []string{"mentor"}},
		{"key": "staff_notes", "heading": "Personalens anteckningar", "visible_to": staffOnly, "editable_by": []string{"mentor"}, "sensitive": true},
	}}, 201)
	for _, s := range []struct{ id, role string }{{"mentor1", "mentor"}, {"teacher1", "teacher"}, {"teacher2", "teacher"}} {
		step("staff "+s.id, "POST", "/v1/staff", admin, map[string]any{"id": s.id, "display_name": "Person " + s.id}, 201)
		step("role "+s.id, "POST", "/v1/staff/"+s.id+"/roles", admin, map[string]any{"role": s.role, "school_id": "school1", "effective_from": "2025-08-11"}, 200)
	}
	class := []string{"s1", "s2", "s3"}
	for _, id := range class {
		step("student "+id, "POST", "/v1/students", admin, map[string]any{"id": id, "school_id": "school1", "grade": 4,
			"school_form": "grundskola", "display_name": "Elev " + id, "effective_from": "2025-08-11"}, 201)
	}
	for _, g := range []struct{ id, student string }{{"g1", "s1"}, {"g2", "s1"}, {"g3", "s2"}} {
		step("guardian "+g.id, "POST", "/v1/guardians", admin, map[string]any{"id": g.id, "display_name": "VH " + g.id}, 201)
		step("custody "+g.id, "PUT", "/v1/students/"+g.student+"/guardians/"+g.id, admin,
			map[string]any{"relation": "vardnadshavare", "effective_from": "2025-08-11"}, 200)
	}
	mentees := step("mentor for the class", "POST", "/v1/staff/mentor1/mentees", admin,
		map[string]any{"student_ids": class, "effective_from": "2025-08-11"}, 200)
	assertBulk(t, mentees, "ok", len(class))
	for _, c := range []struct{ id, subject, teacher string }{{"sv4", "SV", "teacher1"}, {"ma4", "MA", "teacher2"}} {
		step("course "+c.id, "POST", "/v1/courses", admin, map[string]any{"id": c.id, "school_id": "school1", "subject": c.subject,
			"name": c.subject + " åk 4", "term": "sy25:HT"}, 201)
		step("teacher "+c.id, "PUT", "/v1/courses/"+c.id+"/teachers/"+c.teacher, admin, map[string]any{"effective_from": "2025-08-11"}, 200)
		step("enrol "+c.id, "POST", "/v1/courses/"+c.id+"/enrolments", admin, map[string]any{"student_ids": class, "effective_from": "2025-08-11"}, 200)
	}

}
