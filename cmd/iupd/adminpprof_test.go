package main

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// The profiles are served on the operators' listener only when asked for;
// the operators' endpoints answer either way.
func TestPprofOnlyWithTheFlag(t *testing.T) {
	admin := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusTeapot) })
	for _, on := range []bool{false, true} {
		h := withPprof(Config{AdminPprof: on}, admin)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/debug/pprof/heap?debug=1", nil))
		if got := rec.Code == http.StatusOK; got != on {
			t.Errorf("--admin-pprof=%v: heap profile answered %d", on, rec.Code)
		}
		rec = httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/admin/projections", nil))
		if rec.Code != http.StatusTeapot {
			t.Errorf("--admin-pprof=%v: the operators' endpoints answered %d", on, rec.Code)
		}
	}
}
