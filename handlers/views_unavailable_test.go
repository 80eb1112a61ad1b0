package handlers

import (
	"errors"
	"net/http"
	"testing"

	"github.com/iup-platform/iup/domain"
)

// When the views cannot be read (Redis gone, a view not built yet) a read
// answers 503 with the unavailable problem, which a client may retry, not
// 500; with a consistency token too, whose wait meets the same store.
func TestReadsAnswer503WhenTheViewsCannotBeRead(t *testing.T) {
	h := newFullHarness(t)
	const tenant = "kommun1"
	setupOrganiser(t, h, tenant)
	admin := h.token(tenant, "admin1", domain.RoleAdmin)
	written := must(t, h.do(http.MethodPut, "/v1/subjects/NO", admin, map[string]any{"name": "NO"}), 200)
	token := written.Header.Get(ConsistencyHeader)
	h.viewsFail = errors.New("dial tcp 127.0.0.1:6379: connect: connection refused")
	h.restart()
	for _, path := range []string{
		"/v1/mentors/mentor1/terms/sy25:HT/overview",
		"/v1/students/s1/audit",
		"/v1/actors/mentor1/audit",
		"/v1/students/s1/home",
		"/v1/students/s1/terms/sy25:HT/snapshot",
	} {
		for _, headers := range [][]string{nil, {ConsistencyHeader, token}} {
			r := h.do(http.MethodGet, path, admin, nil, headers...)
			if r.Status != http.StatusServiceUnavailable {
				t.Errorf("GET %s (%v): %d, want 503: %s", path, headers, r.Status, r.Body)
				continue
			}
			if got := r.json(t)["type"]; got != ProblemUnavailable {
				t.Errorf("GET %s: problem %v, want %s", path, got, ProblemUnavailable)
			}
		}
	}
}
