package handlers

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/mux"

	"github.com/iup-platform/iup/domain"
)

// The access matrix: every route × caller × relation, with the expected
// answer written by hand from the rules (not from the policy code).
//
// Callers, in the order of the letters in each row:
//
//	 0 admin of the organiser        1 admin of another organiser
//	 2 principal of school1 (p1)     3 principal of school2 (p2)
//	 4 mentor of s1-s3 (mentor1)     5 mentor of s9 (m9)
//	 6 teacher of sv4 (teacher1)     7 teacher of c9 (t9)
//	 8 student s1                    9 student s3 (another student)
//	10 guardian g1 of s1            11 guardian g3 of s2 (another child)
//	12 g4, whose custody of s1 ended 13 g5, restricted towards s1
//
// A = allowed (200), D = denied (404, as for a record that does not exist).
var matrixCallers = []struct {
	tenant, sub string
	role        domain.Role
}{
	{"kommun1", "admin1", domain.RoleAdmin}, {"kommun2", "admin1", domain.RoleAdmin},
	{"kommun1", "p1", domain.RolePrincipal}, {"kommun1", "p2", domain.RolePrincipal},
	{"kommun1", "mentor1", domain.RoleMentor}, {"kommun1", "m9", domain.RoleMentor},
	{"kommun1", "teacher1", domain.RoleTeacher}, {"kommun1", "t9", domain.RoleTeacher},
	{"kommun1", "s1", domain.RoleStudent}, {"kommun1", "s3", domain.RoleStudent},
	{"kommun1", "g1", domain.RoleGuardian}, {"kommun1", "g3", domain.RoleGuardian},
	{"kommun1", "g4", domain.RoleGuardian}, {"kommun1", "g5", domain.RoleGuardian},
}

// readMatrix: route template, a concrete path, and the answers.
var readMatrix = []struct{ route, path, want string }{
	// s1 is own student of mentor1, teacher1, p1, g1; s9 is at school2.
	{"/v1/mentors/{staff_id}/terms/{term}/overview", "/v1/mentors/mentor1/terms/sy25:HT/overview", "ADADADDDDDDDDD"},
	{"/v1/mentors/{staff_id}/terms/{term}/overview", "/v1/mentors/m9/terms/sy25b:HT/overview", "ADDADADDDDDDDD"},
	{"/v1/courses/{course_id}/terms/{term}/view", "/v1/courses/sv4/terms/sy25:HT/view", "ADADDDADDDDDDD"},
	{"/v1/courses/{course_id}/terms/{term}/view", "/v1/courses/c9/terms/sy25b:HT/view", "ADDADDDADDDDDD"},
	{"/v1/schools/{school_id}/terms/{term}/lists", "/v1/schools/school1/terms/sy25:HT/lists", "ADADDDDDDDDDDD"},
	{"/v1/schools/{school_id}/terms/{term}/lists", "/v1/schools/school2/terms/sy25b:HT/lists", "ADDADDDDDDDDDD"},
	{"/v1/guardians/{guardian_id}/children", "/v1/guardians/g1/children", "ADDDDDDDDDADDD"},
	{"/v1/students/{student_id}/home", "/v1/students/s1/home", "ADADADADADADDD"},
	{"/v1/students/{student_id}/home", "/v1/students/s9/home", "ADDADADADDDDDD"},
	{"/v1/students/{student_id}/terms/{term}/snapshot", "/v1/students/s1/terms/sy25:HT/snapshot", "ADADADADADADDD"},
	{"/v1/conferences/{conference_id}/record", "/v1/conferences/conf1/record", "ADADADADADADDD"},
	{"/v1/students/{student_id}/audit", "/v1/students/s1/audit", "ADADDDDDDDDDDD"},
	{"/v1/students/{student_id}/audit", "/v1/students/s9/audit", "ADDADDDDDDDDDD"},
	{"/v1/actors/{actor_id}/audit", "/v1/actors/teacher1/audit", "ADADDDDDDDDDDD"},
	{"/v1/courses/{course_id}/audit", "/v1/courses/sv4/audit", "ADADDDDDDDDDDD"},
	{"/v1/plans/{plan_id}", "/v1/plans/s1.sy25.HT", "ADADADADADADDD"},
	{"/v1/plans/{plan_id}", "/v1/plans/s9.sy25b.HT", "ADDADADADDDDDD"},
	{"/v1/plans/{plan_id}/history", "/v1/plans/s1.sy25.HT/history", "ADADADADADADDD"},
	{"/v1/assessments/{round_id}/entries/{student_id}", "/v1/assessments/r-sv/entries/s1", "ADADADADADADDD"},
	{"/v1/assessments/{round_id}/entries/{student_id}/history", "/v1/assessments/r-sv/entries/s1/history", "ADADADADADADDD"},
	{"/v1/conferences/{conference_id}", "/v1/conferences/conf1", "ADADADADADADDD"},
	{"/v1/conferences/{conference_id}/history", "/v1/conferences/conf1/history", "ADADADADADADDD"},
	{"/v1/access-log", "/v1/access-log?student=s1", "ADDDDDDDDDDDDD"},
	// The right-of-access export: the organiser's admins only.
	{"/v1/students/{student_id}/export", "/v1/students/s1/export", "ADDDDDDDDDDDDD"},
	{"/v1/students/{student_id}/export", "/v1/students/s9/export?format=html", "ADDDDDDDDDDDDD"},
	// Live updates are open to every caller; what they carry is filtered
	// (TestLiveUpdatesFollowThePolicy).
	{"/v1/events", "/v1/events", "AAAAAAAAAAAAAA"},
}

// writeMatrix: the coarse role check of each command, by route template.
// Roles in the order admin, principal, mentor, teacher, student, guardian;
// A = reaches the domain, D = refused by role.
var writeMatrix = map[string]string{
	"PUT /v1/organiser/settings": "ADDDDD", "PUT /v1/subjects/{code}": "ADDDDD", "DELETE /v1/subjects/{code}": "ADDDDD",
	"POST /v1/schools": "ADDDDD", "PUT /v1/schools/{school_id}": "AADDDD", "POST /v1/school-years": "AADDDD",
	"PUT /v1/school-years/{school_year_id}/terms/{term}": "AADDDD", "POST /v1/scales": "AADDDD",
	"POST /v1/templates": "AADDDD", "POST /v1/templates/{template_id}/versions": "AADDDD",
	// The roster: organiser admins and principals.
	"POST /v1/students": "AADDDD", "PUT /v1/students/{student_id}/name": "AADDDD",
	"PUT /v1/students/{student_id}/details": "AADDDD", "PUT /v1/students/{student_id}/protection": "AADDDD",
	"POST /v1/students/{student_id}/move": "AADDDD", "POST /v1/students/{student_id}/leaving": "AADDDD",
	"PUT /v1/students/{student_id}/guardians/{guardian_id}":                   "AADDDD",
	"POST /v1/students/{student_id}/guardians/{guardian_id}/end":              "AADDDD",
	"POST /v1/students/{student_id}/guardians/{guardian_id}/restriction":      "AADDDD",
	"POST /v1/students/{student_id}/guardians/{guardian_id}/restriction/lift": "AADDDD",
	"PUT /v1/students/{student_id}/mentors/{staff_id}":                        "AADDDD",
	"POST /v1/students/{student_id}/mentors/{staff_id}/end":                   "AADDDD",
	// Protected identity: who may see the name is decided by the same leaders.
	"POST /v1/students/{student_id}/protected-access/{staff_id}":   "AADDDD",
	"DELETE /v1/students/{student_id}/protected-access/{staff_id}": "AADDDD",
	"POST /v1/guardians": "AADDDD", "PUT /v1/guardians/{guardian_id}/name": "AADDDD",
	"POST /v1/staff": "AADDDD", "PUT /v1/staff/{staff_id}/name": "AADDDD", "POST /v1/staff/{staff_id}/roles": "AADDDD",
	"POST /v1/staff/{staff_id}/roles/end": "AADDDD", "POST /v1/staff/{staff_id}/mentees": "AADDDD",
	"POST /v1/courses": "AADDDD", "PUT /v1/courses/{course_id}/teachers/{staff_id}": "AADDDD",
	"POST /v1/courses/{course_id}/teachers/{staff_id}/end": "AADDDD",
	"POST /v1/courses/{course_id}/enrolments":              "AADDDD", "POST /v1/courses/{course_id}/unenrolments": "AADDDD",
	// Omdömen: teachers (a mentor may teach; an admin acts on behalf).
	"POST /v1/courses/{course_id}/assessments": "ADAADD", "POST /v1/assessments/{round_id}/publish": "ADAADD",
	"POST /v1/assessments/{round_id}/unpublish": "ADAADD", "PUT /v1/assessments/{round_id}/self-assessment-setting": "ADAADD",
	"POST /v1/assessments/{round_id}/levels:bulk": "ADAADD", "PUT /v1/assessments/{round_id}/entries/{student_id}": "ADAADD",
	"PUT /v1/assessments/{round_id}/entries/{student_id}/self-assessment": "DDDDAD",
	"POST /v1/assessments/{round_id}/entries/{student_id}/withdraw":       "ADAADD",
	// Plans: the mentor runs them; the template decides who writes a field.
	"POST /v1/plans:bulk": "ADADDD", "POST /v1/plans": "ADADDD", "PUT /v1/plans/{plan_id}/fields/{key}": "ADAAAA",
	"POST /v1/plans/{plan_id}/goals": "ADADDD", "PUT /v1/plans/{plan_id}/goals/{goal_id}": "ADADDD",
	"POST /v1/plans/{plan_id}/goals/{goal_id}/evaluation": "ADADDD", "POST /v1/plans/{plan_id}/agreements": "ADADDD",
	"POST /v1/plans/{plan_id}/publish": "ADADDD", "POST /v1/plans/{plan_id}/unpublish": "ADADDD",
	"POST /v1/plans/{plan_id}/archive": "ADADDD", "POST /v1/plans/{plan_id}/legacy-documents": "ADADDD",
	// Talks: the mentor; guardians acknowledge.
	"POST /v1/conferences": "ADADDD", "PUT /v1/conferences/{conference_id}/booking": "ADADDD",
	"POST /v1/conferences/{conference_id}/cancel": "ADADDD", "POST /v1/conferences/{conference_id}/held": "ADADDD",
	"POST /v1/conferences/{conference_id}/acknowledgements": "DDDDDA",
	// Risk signals: the student's mentor or teachers.
	"PUT /v1/students/{student_id}/risk-signals/{subject}":           "ADAADD",
	"POST /v1/students/{student_id}/risk-signals/{subject}/withdraw": "ADAADD",
	// Retention: the organiser's admins only (gallring is the huvudman's).
	"PUT /v1/retention/schedule": "ADDDDD", "POST /v1/students/{student_id}/holds": "ADDDDD",
	"POST /v1/students/{student_id}/holds/lift": "ADDDDD", "POST /v1/students/{student_id}/erasure": "ADDDDD",
}

// matrixWorld adds to readWorld: a held talk for s1, guardians g4 (custody
// ended) and g5 (restricted), principals p1 and p2, and school2 with
// student s9, mentor m9 and course c9 taught by t9.
func matrixWorld(t *testing.T) *apiHarness {
	h, step, _ := readWorld(t)
	admin := h.token("kommun1", "admin1", domain.RoleAdmin)
	mentor := h.token("kommun1", "mentor1", domain.RoleMentor)
	step("schedule", "POST", "/v1/conferences", mentor, map[string]any{"id": "conf1", "student_id": "s1", "term": "sy25:HT",
		"at": "2025-11-12T14:00:00Z", "place": "Klassrum 3", "participants": []map[string]string{
			{"person_id": "s1", "role": "student"}, {"person_id": "g1", "role": "guardian"}, {"person_id": "mentor1", "role": "mentor"}}}, 201)
	step("held", "POST", "/v1/conferences/conf1/held", mentor, map[string]any{"attendees": []string{"s1", "g1", "mentor1"},
		"notes": canary, "agreements": []string{"Läsa varje dag"}}, 200)
	for _, g := range []string{"g4", "g5"} {
		step("guardian "+g, "POST", "/v1/guardians", admin, map[string]any{"id": g, "display_name": "VH " + g}, 201)
		step("custody "+g, "PUT", "/v1/students/s1/guardians/"+g, admin, map[string]any{"relation": "vardnadshavare", "effective_from": "2025-08-11"}, 200)
	}
	step("custody ends", "POST", "/v1/students/s1/guardians/g4/end", admin, map[string]any{"effective_from": "2025-10-01"}, 200)
	step("restriction", "POST", "/v1/students/s1/guardians/g5/restriction", admin, map[string]any{"effective_from": "2025-10-01"}, 200)
	step("school2", "POST", "/v1/schools", admin, map[string]any{"id": "school2", "name": "Andra skolan", "school_forms": []string{"grundskola"}}, 201)
	for _, s := range []struct{ id, role, school string }{{"p1", "principal", "school1"}, {"p2", "principal", "school2"},
		{"m9", "mentor", "school2"}, {"t9", "teacher", "school2"}} {
		step("staff "+s.id, "POST", "/v1/staff", admin, map[string]any{"id": s.id, "display_name": "Person " + s.id}, 201)
		step("role "+s.id, "POST", "/v1/staff/"+s.id+"/roles", admin, map[string]any{"role": s.role, "school_id": s.school, "effective_from": "2025-08-11"}, 200)
	}
	step("school year 2", "POST", "/v1/school-years", admin, map[string]any{"id": "sy25b", "school_id": "school2",
		"ht": map[string]string{"start": "2025-08-18", "end": "2025-12-19"},
		"vt": map[string]string{"start": "2026-01-08", "end": "2026-06-12"}}, 201)
	step("s9", "POST", "/v1/students", admin, map[string]any{"id": "s9", "school_id": "school2", "grade": 4,
		"school_form": "grundskola", "display_name": "Elev s9", "effective_from": "2025-08-11"}, 201)
	step("m9 mentors s9", "POST", "/v1/staff/m9/mentees", admin, map[string]any{"student_ids": []string{"s9"}, "effective_from": "2025-08-11"}, 200)
	step("c9", "POST", "/v1/courses", admin, map[string]any{"id": "c9", "school_id": "school2", "subject": "SV", "name": "SV åk 4", "term": "sy25b:HT"}, 201)
	step("t9 teaches c9", "PUT", "/v1/courses/c9/teachers/t9", admin, map[string]any{"effective_from": "2025-08-11"}, 200)
	last := step("s9 in c9", "POST", "/v1/courses/c9/enrolments", admin, map[string]any{"student_ids": []string{"s9"}, "effective_from": "2025-08-11"}, 200)
	m9 := h.token("kommun1", "m9", domain.RoleMentor)
	last = step("s9 plan", "POST", "/v1/plans:bulk", m9, map[string]any{"template_id": "tpl1", "term": "sy25b:HT",
		"title": "IUP HT 2025", "start": "2025-08-18", "end": "2025-12-19", "student_ids": []string{"s9"}}, 200)
	pos, err := h.tokens.Parse("kommun1", last.Header.Get(ConsistencyHeader))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, v := range []string{"mentor-overview", "course-view", "school-lists", "home-guardian", "home-student", "term-snapshot", "conference-record", "audit"} {
		if err := h.read.WaitFor(ctx, v, pos); err != nil {
			t.Fatalf("view %s did not catch up: %v", v, err)
		}
	}
	return h
}

func TestAccessMatrix(t *testing.T) {
	h := matrixWorld(t)
	tokens := make([]string, len(matrixCallers))
	for i, c := range matrixCallers {
		tokens[i] = h.token(c.tenant, c.sub, c.role)
	}
	covered := map[string]bool{}
	for _, row := range readMatrix {
		covered["GET "+row.route] = true
		if len(row.want) != len(matrixCallers) {
			t.Fatalf("%s: %d answers for %d callers", row.path, len(row.want), len(matrixCallers))
		}
		for i, c := range matrixCallers {
			var r resp
			if row.route == "/v1/events" {
				r = h.statusOnly(row.path, tokens[i])
			} else {
				r = h.do("GET", row.path, tokens[i], nil)
			}
			want := http.StatusOK
			if row.want[i] == 'D' {
				want = http.StatusNotFound
			}
			if r.Status != want {
				t.Errorf("GET %s as %s %s@%s: %d, want %d: %.200s", row.path, c.role, c.sub, c.tenant, r.Status, want, r.Body)
			}
			if (c.role == domain.RoleGuardian || c.role == domain.RoleStudent) && strings.Contains(string(r.Body), canary) {
				t.Errorf("GET %s as %s %s: the guardian-hidden text leaked", row.path, c.role, c.sub)
			}
		}
	}
	// Writes: the coarse check, for each role, with own ids.
	roles := []int{0, 2, 4, 6, 8, 10} // admin, principal, mentor, teacher, student, guardian
	ids := strings.NewReplacer("{code}", "SV", "{school_id}", "school1", "{school_year_id}", "sy25", "{term}", "HT",
		"{template_id}", "tpl1", "{student_id}", "s1", "{guardian_id}", "g1", "{staff_id}", "mentor1", "{course_id}", "sv4",
		"{round_id}", "r-sv", "{plan_id}", "s1.sy25.HT", "{key}", "school_does", "{goal_id}", "goal1",
		"{conference_id}", "conf1", "{subject}", "SV")
	err := h.router.Walk(func(route *mux.Route, _ *mux.Router, _ []*mux.Route) error {
		tpl, err := route.GetPathTemplate()
		if err != nil || !strings.HasPrefix(tpl, "/v1/") {
			return nil
		}
		methods, _ := route.GetMethods()
		for _, m := range methods {
			key := m + " " + tpl
			if m == http.MethodGet {
				if !covered[key] {
					t.Errorf("%s is served but has no rows in the access matrix", key)
				}
				continue
			}
			want, ok := writeMatrix[key]
			if !ok {
				t.Errorf("%s is served but has no row in the write matrix", key)
				continue
			}
			for j, ci := range roles {
				c := matrixCallers[ci]
				r := h.do(m, ids.Replace(tpl), tokens[ci], "{}")
				refused := r.Status == http.StatusForbidden || (r.Status == http.StatusNotFound && (c.role == domain.RoleStudent || c.role == domain.RoleGuardian))
				if r.Status >= 500 {
					t.Errorf("%s as %s: %d", key, c.role, r.Status)
				}
				if want[j] == 'D' && !refused {
					t.Errorf("%s as %s: %d, want refused by role: %.200s", key, c.role, r.Status, r.Body)
				}
				if want[j] == 'A' && r.Status == http.StatusForbidden && strings.Contains(string(r.Body), "may not do this") {
					t.Errorf("%s as %s: refused by role: %.200s", key, c.role, r.Body)
				}
				if (c.role == domain.RoleGuardian || c.role == domain.RoleStudent) && strings.Contains(string(r.Body), canary) {
					t.Errorf("%s as %s: the guardian-hidden text leaked", key, c.role)
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// statusOnly opens a streaming request and returns its status.
func (h *apiHarness) statusOnly(path, token string) resp {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, h.srv.URL+path, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := h.srv.Client().Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer res.Body.Close()
	return resp{Status: res.StatusCode, Header: res.Header}
}
