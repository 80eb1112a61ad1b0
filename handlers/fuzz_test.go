package handlers

import (
	"bytes"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/gorilla/mux"

	"github.com/iup-platform/iup/domain"
)

// Fuzz targets for what clients send: command bodies and query parameters.
// Whatever arrives, the answer is a problem or a success, never a 5xx.
// `go test ./handlers/` runs the seeds; `make fuzz` runs each for longer.

type fuzzRoute struct{ method, path string }

// fuzzRoutes lists the /v1 routes with methods in (ids filled with one
// placeholder, so the bodies reach decoding and the domain).
func fuzzRoutes(tb testing.TB, r *mux.Router, get bool) []fuzzRoute {
	vars := regexp.MustCompile(`\{[^}]+\}`)
	var out []fuzzRoute
	err := r.Walk(func(route *mux.Route, _ *mux.Router, _ []*mux.Route) error {
		tpl, err := route.GetPathTemplate()
		if err != nil || !strings.HasPrefix(tpl, "/v1/") {
			return nil
		}
		methods, _ := route.GetMethods()
		for _, m := range methods {
			// SSE streams until the client goes: not a request/answer route.
			if (m == http.MethodGet) == get && tpl != "/v1/events" {
				out = append(out, fuzzRoute{m, vars.ReplaceAllString(tpl, "x1")})
			}
		}
		return nil
	})
	if err != nil || len(out) == 0 {
		tb.Fatalf("no routes found (%v)", err)
	}
	return out
}

// fuzzSend is the harness's request without its testing helpers, which a
// fuzz function may not call on the F.
func fuzzSend(t *testing.T, h *apiHarness, method, target, token string, body []byte) (int, []byte) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequest(method, h.srv.URL+target, rd)
	if err != nil {
		return 0, nil // a target no client could send
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := h.srv.Client().Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, target, err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	return res.StatusCode, raw
}

func FuzzCommandBody(f *testing.F) {
	h := newHarness(f)
	routes := fuzzRoutes(f, h.router, false)
	tokens := make([]string, len(domain.Roles))
	for i, role := range domain.Roles {
		tokens[i] = h.token("t1", "p1", role)
	}
	for i, seed := range []string{``, `null`, `{}`, `[]`, `"x"`, `{"id":{}}`, `{"student_ids":[1,2]}`,
		`{"term":"2025-2026:HT","level":"9"}`, `{"at":"not-a-time"}`, `{"start":"2025-02-30"}`,
		`{"student_ids":["s1","s1"],"level":"2"}`, `{"text":"` + strings.Repeat("å", 300) + `"}`,
		`{"id":"s1","school_id":"sk1","grade":99,"school_form":"grundskola","display_name":"Ella"}`} {
		f.Add(uint16(i), uint8(i), []byte(seed))
	}
	f.Fuzz(func(t *testing.T, route uint16, role uint8, body []byte) {
		r := routes[int(route)%len(routes)]
		status, raw := fuzzSend(t, h, r.method, r.path, tokens[int(role)%len(tokens)], body)
		if status >= 500 {
			t.Fatalf("%s %s with %q: %d %s", r.method, r.path, body, status, raw)
		}
	})
}

func FuzzQueryParameters(f *testing.F) {
	h := newHarness(f)
	routes := fuzzRoutes(f, h.router, true)
	admin := h.token("t1", "a1", domain.RoleAdmin)
	for i, seed := range [][3]string{
		{"2025-10-01T08:00:00Z", "3", "term=2025-2026:HT"},
		{"yesterday", "-1", "term=HT"},
		{"2025-13-01T00:00:00Z", "99999999999999999999", "cursor=%%%"},
		{"", "0", "cursor=eyJ4IjoxfQ&limit=-5"},
		{"2025-10-01", "1e3", "term=2025-2026:VT&as_of=2025-01-01T00:00:00Z"},
	} {
		f.Add(uint16(i), seed[0], seed[1], seed[2])
	}
	f.Fuzz(func(t *testing.T, route uint16, asOf, revision, extra string) {
		r := routes[int(route)%len(routes)]
		q := url.Values{"as_of": {asOf}, "revision": {revision}}
		target := r.path + "?" + q.Encode() + "&" + extra
		status, raw := fuzzSend(t, h, r.method, target, admin, nil)
		if status >= 500 {
			t.Fatalf("%s %s: %d %s", r.method, target, status, raw)
		}
	})
}
