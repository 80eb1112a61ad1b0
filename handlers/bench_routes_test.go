package handlers

import (
	"net/http/httptest"
	"testing"

	"github.com/gorilla/mux"
)

// BenchmarkRouteMatch is the router's work for one request, before any
// handler runs: a read (most requests) and a command.
//
//	go test -run '^$' -bench RouteMatch -benchmem ./handlers/
func BenchmarkRouteMatch(b *testing.B) {
	h := newHarness(b)
	for _, c := range []struct{ name, method, path string }{
		{"read", "GET", "/v1/mentors/mentor1/terms/sy25.HT/overview"},
		{"command", "PUT", "/v1/assessments/r-sv/entries/s1"},
	} {
		b.Run(c.name, func(b *testing.B) {
			req := httptest.NewRequest(c.method, c.path, nil)
			for range b.N {
				var m mux.RouteMatch
				if !h.router.Match(req, &m) || m.MatchErr != nil {
					b.Fatalf("%s %s did not match: %v", c.method, c.path, m.MatchErr)
				}
			}
		})
	}
}
