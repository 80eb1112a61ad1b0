package handlers

import (
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/gorilla/mux"

	"github.com/iup-platform/iup/domain"
)

// badInputs is the suite's table of malformed requests: each gets a 4xx
// problem that names what to fix, never a 5xx.
var badInputs = []struct {
	name, method, path string
	role               domain.Role
	sub, tenant        string
	body               any
	headers            []string
	want               int
}{
	{"malformed JSON", "POST", "/v1/students", domain.RoleAdmin, "admin1", "t1", `{"id": "s9",`, nil, 400},
	{"not JSON at all", "POST", "/v1/students", domain.RoleAdmin, "admin1", "t1", `hello`, nil, 400},
	{"two JSON values", "POST", "/v1/guardians", domain.RoleAdmin, "admin1", "t1", `{"display_name":"a"}{"x":1}`, nil, 400},
	{"empty body", "POST", "/v1/staff", domain.RoleAdmin, "admin1", "t1", ``, nil, 400},
	{"JSON array for an object", "POST", "/v1/staff", domain.RoleAdmin, "admin1", "t1", `[1,2]`, nil, 400},
	{"wrong type: grade as string", "POST", "/v1/students", domain.RoleAdmin, "admin1", "t1", `{"grade":"four"}`, nil, 400},
	{"wrong type: student_ids as string", "POST", "/v1/courses/sv4/enrolments", domain.RoleAdmin, "admin1", "t1", `{"student_ids":"s1"}`, nil, 400},
	{"unknown field", "POST", "/v1/guardians", domain.RoleAdmin, "admin1", "t1", `{"display_name":"a","personnummer":"x"}`, nil, 400},
	{"oversized body", "POST", "/v1/guardians", domain.RoleAdmin, "admin1", "t1", `{"display_name":"` + strings.Repeat("a", DefaultMaxBody) + `"}`, nil, 413},
	{"bad date", "POST", "/v1/school-years", domain.RoleAdmin, "admin1", "t1", `{"ht":{"start":"2025-13-45","end":"2025-12-19"},"vt":{"start":"2026-01-08","end":"2026-06-12"}}`, nil, 400},
	{"date as number", "POST", "/v1/school-years", domain.RoleAdmin, "admin1", "t1", `{"ht":{"start":20250818,"end":"2025-12-19"}}`, nil, 400},
	{"term reversed", "POST", "/v1/school-years", domain.RoleAdmin, "admin1", "t1", `{"ht":{"start":"2025-12-19","end":"2025-08-18"},"vt":{"start":"2026-01-08","end":"2026-06-12"}}`, nil, 422},
	{"bad term", "POST", "/v1/courses", domain.RoleAdmin, "admin1", "t1", `{"school_id":"school1","subject":"SV","name":"x","term":"sy25-HT"}`, nil, 400},
	{"level off the scale", "PUT", "/v1/assessments/r-sv/entries/s1", domain.RoleTeacher, "teacher1", "t1", `{"level":"7"}`, nil, 422},
	{"bulk level off the scale", "POST", "/v1/assessments/r-sv/levels:bulk", domain.RoleTeacher, "teacher1", "t1", `{"level":"0","student_ids":["s1"]}`, nil, 200},
	{"comment too long", "PUT", "/v1/assessments/r-sv/entries/s1", domain.RoleTeacher, "teacher1", "t1", `{"comment":"` + strings.Repeat("x", 10001) + `"}`, nil, 422},
	{"personal number as path id", "PUT", "/v1/students/19121212-1212/name", domain.RoleAdmin, "admin1", "t1", `{"display_name":"a"}`, nil, 400},
	{"personal number as new id", "POST", "/v1/students", domain.RoleAdmin, "admin1", "t1", `{"id":"191212121212","school_id":"school1","grade":4,"school_form":"grundskola","display_name":"a","effective_from":"2025-08-11"}`, nil, 422},
	{"bad plan id", "POST", "/v1/plans/s1/publish", domain.RoleMentor, "mentor1", "t1", nil, nil, 400},
	// In t2 nothing of t1 exists: the answer is what t2's own state gives
	// (this mentor mentors no one there), whatever t1 holds.
	{"another tenant's plan", "PUT", "/v1/plans/s1.sy25.HT/fields/school_does", domain.RoleMentor, "mentor1", "t2", `{"text":"x"}`, nil, 403},
	{"another tenant's student", "PUT", "/v1/students/s1/name", domain.RoleAdmin, "admin1", "t2", `{"display_name":"x"}`, nil, 404},
	{"another tenant's round", "PUT", "/v1/assessments/r-sv/entries/s1", domain.RoleTeacher, "teacher1", "t2", `{"level":"2"}`, nil, 404},
	{"wrong media type", "POST", "/v1/guardians", domain.RoleAdmin, "admin1", "t1", `display_name=a`, []string{"Content-Type", "application/x-www-form-urlencoded"}, 415},
	{"bad If-Match", "PUT", "/v1/plans/s1.sy25.HT/fields/school_does", domain.RoleMentor, "mentor1", "t1", `{"text":"x"}`, []string{"If-Match", "yesterday"}, 400},
	{"bad Idempotency-Key", "POST", "/v1/guardians", domain.RoleAdmin, "admin1", "t1", `{"display_name":"a"}`, []string{IdempotencyKeyHeader, "has spaces in it"}, 400},
	{"on behalf of, not an admin", "POST", "/v1/plans/s1.sy25.HT/publish", domain.RoleMentor, "mentor1", "t1", nil, []string{OnBehalfOfHeader, "mentor2"}, 403},
	{"unknown route", "POST", "/v1/nothing-here", domain.RoleAdmin, "admin1", "t1", `{}`, nil, 404},
	{"wrong method", "GET", "/v1/plans:bulk", domain.RoleAdmin, "admin1", "t1", nil, nil, 405},
	// Reads and commands are two tables: a method of the other one still
	// answers 405, whichever comes first.
	{"a command's method on a view", "PUT", "/v1/mentors/mentor1/terms/sy25.HT/overview", domain.RoleMentor, "mentor1", "t1", `{}`, nil, 405},
	{"a method neither has", "DELETE", "/v1/plans/s1.sy25.HT", domain.RoleMentor, "mentor1", "t1", nil, nil, 405},
	{"a read's method on a command", "GET", "/v1/plans/s1.sy25.HT/publish", domain.RoleMentor, "mentor1", "t1", nil, nil, 405},
}

func TestBadInputGetsAProblemNeverA5xx(t *testing.T) {
	h := newHarness(t)
	setupOrganiser(t, h, "t1")
	h.clock.Day("2025-10-01")
	step := h.stepper(t)
	mentor := h.token("t1", "mentor1", domain.RoleMentor)
	teacher := h.token("t1", "teacher1", domain.RoleTeacher)
	step("plan", "POST", "/v1/plans", mentor, map[string]any{"student_id": "s1", "template_id": "tpl1", "term": "sy25:HT",
		"title": "IUP", "start": "2025-08-18", "end": "2025-12-19"}, 201)
	step("round", "POST", "/v1/courses/sv4/assessments", teacher, map[string]any{"id": "r-sv", "term": "sy25:HT", "title": "HT", "scale_id": "scale3"}, 201)

	for _, tc := range badInputs {
		t.Run(tc.name, func(t *testing.T) {
			r := h.do(tc.method, tc.path, h.token(tc.tenant, tc.sub, tc.role), tc.body, tc.headers...)
			if r.Status >= 500 || r.Status != tc.want {
				t.Fatalf("status %d, want %d: %.300s", r.Status, tc.want, r.Body)
			}
			if r.Status == 200 {
				// A bulk request reports each student's refusal.
				if res := r.json(t)["results"].([]any)[0].(map[string]any); res["status"] != "refused" || res["message"] == "" {
					t.Fatalf("bulk result = %v", res)
				}
				return
			}
			p := r.json(t)
			if r.Header.Get("Content-Type") != "application/problem+json" || p["type"] == "" || p["title"] == "" {
				t.Fatalf("not a problem: %s %s", r.Header.Get("Content-Type"), r.Body)
			}
			if r.Status != 404 && r.Status != 405 && r.Status != 403 && p["detail"] == "" {
				t.Fatalf("the problem does not say what to fix: %s", r.Body)
			}
		})
	}
}

// Every command route, with every kind of garbage, as every role: never a
// 5xx. A new command route is covered by being in the router. (Reads take
// no body; the read tests and the access matrix cover them, and an SSE
// stream would never end here.)
func TestNoRouteAnswers5xxToGarbage(t *testing.T) {
	h := newHarness(t)
	router := h.router
	vars := regexp.MustCompile(`\{[^}]+\}`)
	garbage := []string{``, `null`, `{}`, `[]`, `"x"`, `{"id":{}}`, `{"student_ids":[1,2]}`, `{"term":"x:HT","level":"9"}`,
		`{"at":"not-a-time"}`, `{"start":"2025-02-30"}`}
	n := 0
	err := router.Walk(func(route *mux.Route, _ *mux.Router, _ []*mux.Route) error {
		tpl, err := route.GetPathTemplate()
		if err != nil || !strings.HasPrefix(tpl, "/v1/") {
			return nil
		}
		methods, _ := route.GetMethods()
		path := vars.ReplaceAllString(tpl, "x1")
		for _, m := range methods {
			if m == http.MethodGet {
				continue
			}
			for _, role := range domain.Roles {
				tok := h.token("t1", "p1", role)
				for _, g := range garbage {
					n++
					if r := h.do(m, path, tok, g); r.Status >= 500 {
						t.Errorf("%s %s as %s with %s: %d %s", m, tpl, role, g, r.Status, r.Body)
					}
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n < 500 {
		t.Fatalf("only %d requests: the walk missed the routes", n)
	}
}
