package loadgen

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"
)

// Setup requests wait out the service's request budget; the workload's do
// reports a 429 as it is.
func TestSetupWaitsOutTheRequestBudget(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) <= 2 {
			w.Header().Set("Retry-After", "0")
			w.WriteHeader(http.StatusTooManyRequests)
			return
		}
		w.WriteHeader(http.StatusCreated)
	}))
	defer srv.Close()
	c := newClient(srv.URL, 2, 5*time.Second)
	defer c.close()

	if a := c.doPaced(context.Background(), http.MethodPost, "/v1/students", "tok", map[string]string{"id": "s1"}); a.Status != http.StatusCreated || calls.Load() != 3 {
		t.Fatalf("paced: status %d after %d calls, want 201 after 3", a.Status, calls.Load())
	}
	calls.Store(0)
	if a := c.do(context.Background(), http.MethodPost, "/v1/students", "tok", nil); a.Status != http.StatusTooManyRequests || calls.Load() != 1 {
		t.Fatalf("plain: status %d after %d calls, want 429 after 1", a.Status, calls.Load())
	}
}
