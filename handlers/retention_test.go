package handlers

import (
	"net/http"
	"strings"
	"testing"

	"github.com/iup-platform/iup/domain"
)

// Retention through the API: an admin sets the schedule, holds a student's
// records while a case is open, and erases them lawfully once it is closed;
// the erased texts can no longer be read from the event store.
func TestRetentionScheduleHoldsAndErasure(t *testing.T) {
	h, _, _ := readWorld(t)
	admin := h.token("kommun1", "admin1", domain.RoleAdmin)
	mentor := h.token("kommun1", "mentor1", domain.RoleMentor)
	ok := func(name string, r resp) resp {
		t.Helper()
		if r.Status < 200 || r.Status > 299 {
			t.Fatalf("%s: %d %s", name, r.Status, r.Body)
		}
		return r
	}
	refused := func(name string, r resp, want int, says string) {
		t.Helper()
		if r.Status != want || !strings.Contains(string(r.Body), says) {
			t.Fatalf("%s: %d %s, want %d saying %q", name, r.Status, r.Body, want, says)
		}
	}

	ok("schedule", h.do("PUT", "/v1/retention/schedule", admin, map[string]any{"rules": []map[string]any{
		{"doc_type": "plan", "months": 24}, {"doc_type": "assessment", "keep": true}}}))
	refused("a mentor's schedule", h.do("PUT", "/v1/retention/schedule", mentor, map[string]any{"rules": []any{}}), http.StatusForbidden, "")

	ok("hold", h.do("POST", "/v1/students/s1/holds", admin, map[string]any{"case": "DNR 2025/17", "reason": "Begäran om utlämnande"}))
	refused("erasure while held", h.do("POST", "/v1/students/s1/erasure", admin, map[string]any{"reason": "Beslut DNR 2025/18"}),
		http.StatusUnprocessableEntity, "hold")
	ok("lift", h.do("POST", "/v1/students/s1/holds/lift", admin, map[string]any{"case": "DNR 2025/17", "reason": "Ärendet avslutat"}))
	refused("erasure without a reason", h.do("POST", "/v1/students/s1/erasure", admin, map[string]any{}), http.StatusUnprocessableEntity, "reason")

	before := ok("plan before", h.do("GET", "/v1/plans/s1.sy25.HT", admin, nil))
	if !strings.Contains(string(before.Body), "Läsa mer varje dag") {
		t.Fatalf("the plan's text is not there before the erasure: %s", before.Body)
	}
	ok("erasure", h.do("POST", "/v1/students/s1/erasure", admin, map[string]any{"reason": "Beslut DNR 2025/18"}))
	after := ok("plan after", h.do("GET", "/v1/plans/s1.sy25.HT", admin, nil))
	if strings.Contains(string(after.Body), "Läsa mer varje dag") {
		t.Fatalf("the erased plan text is still read from the event store: %s", after.Body)
	}
	entry := ok("entry after", h.do("GET", "/v1/assessments/r-sv/entries/s1", admin, nil))
	if strings.Contains(string(entry.Body), "Läser flytande.") {
		t.Fatalf("the erased omdöme comment is still read: %s", entry.Body)
	}
	// s2's records are untouched.
	other := ok("s2 plan", h.do("GET", "/v1/plans/s2.sy25.HT", admin, nil))
	if !strings.Contains(string(other.Body), canary) {
		t.Fatalf("another student's plan lost its text: %s", other.Body)
	}
}

// A node that cannot destroy keys refuses an erasure with 503 and says
// where to run it.
func TestErasureNeedsTheKeyring(t *testing.T) {
	h := newHarness(t) // plain codec: no keyring
	setupOrganiser(t, h, "kommun1")
	admin := h.token("kommun1", "admin1", domain.RoleAdmin)
	if r := h.do("POST", "/v1/students/s1/erasure", admin, map[string]any{}); r.Status != http.StatusUnprocessableEntity {
		t.Fatalf("a bad erasure on a node without a keyring is still bad input: %d %s", r.Status, r.Body)
	}
	r := h.do("POST", "/v1/students/s1/erasure", admin, map[string]any{"reason": "Beslut"})
	if r.Status != http.StatusServiceUnavailable || !strings.Contains(string(r.Body), "iupd erase") {
		t.Fatalf("erasure without a keyring: %d %s", r.Status, r.Body)
	}
}
