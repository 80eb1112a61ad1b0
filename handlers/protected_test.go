package handlers

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/iup-platform/iup/domain"
)

// protectedName is the canary: the real name of a student with protected
// identity. It may appear only where the reader is authorised for them.
const protectedName = "Zorro Kanariesson-Skyddad"

// protectedWorld is the access matrix's world with s1 renamed to the canary
// and marked skyddad folkbokföring; it returns the last write's token.
func protectedWorld(t *testing.T) (*apiHarness, string) {
	h := matrixWorld(t)
	admin := h.token("kommun1", "admin1", domain.RoleAdmin)
	must(t, h.do("PUT", "/v1/students/s1/name", admin, map[string]any{"display_name": protectedName}), 200)
	r := must(t, h.do("PUT", "/v1/students/s1/protection", admin, map[string]any{"protected": "skyddad_folkbokforing",
		"effective_from": "2025-08-11"}), 200)
	return h, r.Header.Get(ConsistencyHeader)
}

// nameIn returns what a staff view shows as s1's name ("" when s1 is not on it).
func nameIn(t *testing.T, body []byte) (string, bool) {
	t.Helper()
	type row struct {
		StudentID string `json:"student_id"`
		Name      string `json:"name"`
	}
	var doc struct {
		Rows     []row `json:"rows"`
		Students []row `json:"students"`
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		t.Fatalf("not a staff view: %v", err)
	}
	for _, r := range append(doc.Rows, doc.Students...) {
		if r.StudentID == "s1" {
			return r.Name, true
		}
	}
	return "", false
}

func TestProtectedIdentityNeverLeaksToTheUnauthorised(t *testing.T) {
	h, tok := protectedWorld(t)
	tokens := make([]string, len(matrixCallers))
	for i, c := range matrixCallers {
		tokens[i] = h.token(c.tenant, c.sub, c.role)
	}
	// Every read route, as every caller: the name is nowhere, error bodies
	// included. (The export is the admin's right-of-access copy and is
	// tested on its own below.)
	for _, row := range readMatrix {
		if row.route == "/v1/events" || strings.HasSuffix(row.route, "/export") {
			continue
		}
		for i, c := range matrixCallers {
			r := h.do("GET", row.path, tokens[i], nil, ConsistencyHeader, tok)
			if r.Status >= 500 {
				t.Errorf("GET %s as %s %s: %d", row.path, c.role, c.sub, r.Status)
			}
			if strings.Contains(string(r.Body), protectedName) || strings.Contains(string(r.Body), "Kanariesson") {
				t.Errorf("GET %s as %s %s: the protected name leaked: %.300s", row.path, c.role, c.sub, r.Body)
			}
		}
	}
	// The staff views show the placeholder in its place.
	for _, c := range []struct{ path, sub string }{
		{"/v1/mentors/mentor1/terms/sy25:HT/overview", "mentor1"},
		{"/v1/courses/sv4/terms/sy25:HT/view", "teacher1"},
		{"/v1/mentors/mentor1/terms/sy25:HT/overview", "admin1"},
	} {
		role := map[string]domain.Role{"mentor1": domain.RoleMentor, "teacher1": domain.RoleTeacher, "admin1": domain.RoleAdmin}[c.sub]
		r := must(t, h.do("GET", c.path, h.token("kommun1", c.sub, role), nil), 200)
		if name, ok := nameIn(t, r.Body); !ok || name != ProtectedPlaceholder {
			t.Errorf("GET %s as %s: s1's name is %q (listed %v), want the placeholder", c.path, c.sub, name, ok)
		}
	}
}

func TestProtectedIdentityToAuthorisedStaffByDay(t *testing.T) {
	h, _ := protectedWorld(t)
	admin := h.token("kommun1", "admin1", domain.RoleAdmin)
	mentor := h.token("kommun1", "mentor1", domain.RoleMentor)
	teacher := h.token("kommun1", "teacher1", domain.RoleTeacher)
	overview := "/v1/mentors/mentor1/terms/sy25:HT/overview"
	shown := func(token, path string) string {
		t.Helper()
		name, _ := nameIn(t, must(t, h.do("GET", path, token, nil), 200).Body)
		return name
	}

	t.Run("a mentor or teacher may not authorise anyone", func(t *testing.T) {
		for _, tk := range []string{mentor, teacher} {
			must(t, h.do("POST", "/v1/students/s1/protected-access/mentor1", tk, map[string]any{"effective_from": "2025-09-01"}), 403)
		}
	})
	t.Run("an unprotected student is refused with a message", func(t *testing.T) {
		r := must(t, h.do("POST", "/v1/students/s2/protected-access/mentor1", admin, map[string]any{"effective_from": "2025-09-01"}), 422)
		if !strings.Contains(string(r.Body), "no protected-identity marking") {
			t.Errorf("the refusal does not say why: %s", r.Body)
		}
	})
	t.Run("authorised from a day, the mentor sees the name; others still the placeholder", func(t *testing.T) {
		h.clock.Day("2026-01-14")
		first := must(t, h.do("POST", "/v1/students/s1/protected-access/mentor1", admin, map[string]any{"effective_from": "2026-01-15"}), 200)
		if got := shown(mentor, overview); got != ProtectedPlaceholder {
			t.Errorf("before the first day of the authorisation the mentor sees %q", got)
		}
		h.clock.Day("2026-01-15")
		if got := shown(mentor, overview); got != protectedName {
			t.Errorf("authorised mentor sees %q", got)
		}
		if got := shown(admin, overview); got != ProtectedPlaceholder {
			t.Errorf("an admin without authorisation sees %q", got)
		}
		if got := shown(teacher, "/v1/courses/sv4/terms/sy25:HT/view"); got != ProtectedPlaceholder {
			t.Errorf("an unauthorised teacher sees %q", got)
		}
		again := must(t, h.do("POST", "/v1/students/s1/protected-access/mentor1", admin, map[string]any{"effective_from": "2026-01-15"}), 200)
		if string(again.Body) != string(first.Body) || again.Header.Get("ETag") != first.Header.Get("ETag") {
			t.Errorf("authorising twice must change nothing: %s then %s", first.Body, again.Body)
		}
	})
	t.Run("the authorised read is in the access log", func(t *testing.T) {
		r := must(t, h.do("GET", "/v1/access-log?student=s1", admin, nil), 200)
		if !strings.Contains(string(r.Body), `"protected-identity"`) {
			t.Errorf("no access log entry for the protected identity: %.400s", r.Body)
		}
	})
	t.Run("revoked without a body from today, the placeholder is back", func(t *testing.T) {
		must(t, h.do("DELETE", "/v1/students/s1/protected-access/mentor1", admin, nil), 200)
		if got := shown(mentor, overview); got != ProtectedPlaceholder {
			t.Errorf("after revocation the mentor sees %q", got)
		}
	})
}

func TestRightOfAccessExport(t *testing.T) {
	h, tok := protectedWorld(t)
	admin := h.token("kommun1", "admin1", domain.RoleAdmin)
	r := must(t, h.do("GET", "/v1/students/s1/export", admin, nil, ConsistencyHeader, tok), 200)
	var x struct {
		Student string `json:"student"`
		Events  []struct {
			Type string          `json:"type"`
			Data json.RawMessage `json:"data"`
		} `json:"events"`
		Views     []struct{ View string } `json:"views"`
		AccessLog []struct {
			What    string `json:"what"`
			ActorID string `json:"actor_id"`
		} `json:"access_log"`
	}
	if err := json.Unmarshal(r.Body, &x); err != nil || x.Student != "s1" {
		t.Fatalf("export: %v %s", err, r.Body)
	}
	kinds := map[string]bool{}
	for _, e := range x.Events {
		kinds[strings.SplitN(e.Type, ".", 2)[0]] = true
	}
	for _, k := range []string{"roster", "plan", "conference"} {
		if !kinds[k] {
			t.Errorf("the export lacks the student's %s events (has %v)", k, kinds)
		}
	}
	if !strings.Contains(string(r.Body), protectedName) || !strings.Contains(string(r.Body), canary) {
		t.Error("the admin's export must hold everything, the name and every field included")
	}
	views := map[string]bool{}
	for _, v := range x.Views {
		views[v.View] = true
	}
	for _, v := range []string{"mentor-overview", "home-guardian", "audit"} {
		if !views[v] {
			t.Errorf("the export lacks view %s (has %v)", v, views)
		}
	}
	exported := false
	for _, a := range x.AccessLog {
		exported = exported || (a.What == "export" && a.ActorID == "admin1")
	}
	if !exported {
		t.Errorf("the export is not in the access log it returns: %+v", x.AccessLog)
	}
	for _, e := range x.Events {
		if strings.Contains(string(e.Data), "Elev s9") {
			t.Error("the export holds another student's data")
		}
	}

	page := must(t, h.do("GET", "/v1/students/s1/export?format=html", admin, nil), 200)
	html := string(page.Body)
	if ct := page.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
		t.Errorf("Content-Type %q", ct)
	}
	for _, want := range []string{"<!DOCTYPE html>", "Registerutdrag", protectedName, "plan.field-set"} {
		if !strings.Contains(html, want) {
			t.Errorf("the HTML export lacks %q", want)
		}
	}
	for _, bad := range []string{"<script", "http://", "https://", "<link", "src="} {
		if strings.Contains(html, bad) {
			t.Errorf("the HTML export must have no external assets: has %q", bad)
		}
	}
	must(t, h.do("GET", "/v1/students/s1/export?format=pdf", admin, nil), 400)

	for _, c := range []struct {
		tenant, sub string
		role        domain.Role
	}{{"kommun1", "p1", domain.RolePrincipal}, {"kommun1", "teacher1", domain.RoleTeacher}, {"kommun1", "mentor1", domain.RoleMentor},
		{"kommun1", "g1", domain.RoleGuardian}, {"kommun1", "s1", domain.RoleStudent}, {"kommun2", "admin1", domain.RoleAdmin}} {
		r := must(t, h.do("GET", "/v1/students/s1/export", h.token(c.tenant, c.sub, c.role), nil), 404)
		if strings.Contains(string(r.Body), protectedName) {
			t.Errorf("%s %s: the refusal carries the name", c.role, c.sub)
		}
	}
}
