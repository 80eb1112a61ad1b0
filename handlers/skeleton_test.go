package handlers

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/iup-platform/iup/domain"
)

var schoolYear2025 = map[string]any{
	"ht": map[string]string{"start": "2025-08-18", "end": "2025-12-19"},
	"vt": map[string]string{"start": "2026-01-08", "end": "2026-06-12"},
}

func TestWriteAnswersWithRevisionAndTenantBoundToken(t *testing.T) {
	h := newHarness(t)
	admin := h.token("t1", "admin1", domain.RoleAdmin)
	r := must(t, h.do(http.MethodPost, "/v1/school-years", admin, schoolYear2025), http.StatusCreated)
	if got := r.Header.Get("ETag"); got != `"0"` {
		t.Fatalf("ETag = %q, want \"0\"", got)
	}
	tok := r.Header.Get(ConsistencyHeader)
	pos, err := h.tokens.Parse("t1", tok)
	if err != nil || pos.IsStart() {
		t.Fatalf("token %q: position %v, err %v", tok, pos, err)
	}
	if _, err := h.tokens.Parse("t2", tok); err == nil {
		t.Fatal("a token of t1 was accepted for t2")
	}
	if id, _ := r.json(t)["id"].(string); r.Header.Get("Location") != "/v1/school-years/"+id || id == "" {
		t.Fatalf("Location %q for id %q", r.Header.Get("Location"), id)
	}
}

func TestWritesNeedAnAccessToken(t *testing.T) {
	h := newHarness(t)
	r := must(t, h.do(http.MethodPost, "/v1/school-years", "", schoolYear2025), http.StatusUnauthorized)
	if r.Header.Get("Content-Type") != "application/problem+json" || r.Header.Get("WWW-Authenticate") == "" {
		t.Fatalf("401 without problem or challenge: %v", r.Header)
	}
}

func TestDomainRefusalIsAProblemNeverA5xx(t *testing.T) {
	h := newHarness(t)
	teacher := h.token("t1", "teacher1", domain.RoleTeacher)
	r := must(t, h.do(http.MethodPost, "/v1/school-years", teacher, schoolYear2025), http.StatusForbidden)
	if p := r.json(t); p["type"] != ProblemForbidden || p["detail"] == "" {
		t.Fatalf("problem = %v", p)
	}
}

func TestRefusedTokenIs401ProblemSayingWhy(t *testing.T) {
	h := newHarness(t)
	tok := h.token("t1", "admin1", domain.RoleAdmin)
	h.authClock.Set(h.authClock.Now().Add(2 * time.Hour))
	r := must(t, h.do(http.MethodPost, "/v1/school-years", tok, schoolYear2025), http.StatusUnauthorized)
	if p := r.json(t); p["type"] != ProblemUnauthorized || !strings.Contains(p["detail"].(string), "expired") {
		t.Fatalf("problem = %v", p)
	}
	fresh := h.token("t1", "admin1", domain.RoleAdmin)
	must(t, h.do(http.MethodPost, "/v1/school-years", fresh, schoolYear2025, RoleHeader, "mentor"), http.StatusForbidden)
}
