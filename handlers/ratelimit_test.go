package handlers

import (
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/iup-platform/iup/domain"
)

// A caller over its budget gets 429 with a problem and Retry-After; other
// callers, of the same organiser or another, are not slowed by it.
func TestRateLimitIsPerCaller(t *testing.T) {
	h := newHarness(t)
	h.rateLimit = RateLimit{Rate: 0.5, Burst: 3} // a token every 2s: none refills during the test
	h.restart()
	greedy := h.token("kommun1", "t1", domain.RoleTeacher)
	for i := range 3 {
		if r := h.do("GET", "/v1/students/s1/home", greedy, nil); r.Status == http.StatusTooManyRequests {
			t.Fatalf("request %d within the burst refused", i+1)
		}
	}
	r := h.do("GET", "/v1/students/s1/home", greedy, nil)
	if r.Status != http.StatusTooManyRequests {
		t.Fatalf("request over the burst = %d, want 429", r.Status)
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/problem+json" {
		t.Fatalf("429 as %s, want a problem", ct)
	}
	if p := r.json(t); p["type"] != ProblemTooManyRequests || p["status"] != float64(429) || p["detail"] == "" {
		t.Fatalf("429 problem %v", p)
	}
	if secs, err := strconv.Atoi(r.Header.Get("Retry-After")); err != nil || secs < 1 || secs > 2 {
		t.Fatalf("Retry-After %q, want 1-2 seconds", r.Header.Get("Retry-After"))
	}
	// Writes count against the same budget.
	if w := h.do("POST", "/v1/assessments/r1/publish", greedy, nil); w.Status != http.StatusTooManyRequests {
		t.Fatalf("write over the budget = %d, want 429", w.Status)
	}
	for _, other := range []string{h.token("kommun1", "t2", domain.RoleTeacher), h.token("kommun2", "t1", domain.RoleTeacher)} {
		if r := h.do("GET", "/v1/students/s1/home", other, nil); r.Status == http.StatusTooManyRequests {
			t.Fatal("another caller was limited by the greedy one's budget")
		}
	}
	// A request without a valid token never reaches a bucket.
	if r := h.do("GET", "/v1/students/s1/home", "", nil); r.Status != http.StatusUnauthorized {
		t.Fatalf("anonymous = %d, want 401", r.Status)
	}
}

// Buckets of callers gone quiet are dropped, so memory follows the active
// callers, not everyone who ever called; a dropped bucket was full anyway.
func TestRateLimitEvictsIdleBuckets(t *testing.T) {
	now := time.Date(2026, 1, 1, 8, 0, 0, 0, time.UTC)
	l := newSubjectLimiter(RateLimit{Rate: 10, Burst: 20, Idle: time.Minute}, func() time.Time { return now })
	for i := range 1000 {
		if ok, _ := l.allow("kommun1", "s"+strconv.Itoa(i)); !ok {
			t.Fatal("a first request refused")
		}
	}
	if l.size() != 1000 {
		t.Fatalf("%d buckets, want 1000", l.size())
	}
	now = now.Add(30 * time.Second)
	l.allow("kommun1", "s0") // still within Idle: nothing goes
	if l.size() != 1000 {
		t.Fatalf("%d buckets after 30s, want 1000", l.size())
	}
	now = now.Add(31 * time.Second)
	l.allow("kommun1", "active")
	if l.size() != 2 { // s0 was used 31s ago; "active" now
		t.Fatalf("%d buckets after a minute idle, want 2", l.size())
	}
	// Idle is never shorter than a bucket's refill time.
	if l := newSubjectLimiter(RateLimit{Rate: 1, Burst: 600, Idle: time.Second}, time.Now); l.idle < 600*time.Second {
		t.Fatalf("idle %s is shorter than the refill time", l.idle)
	}
	if newSubjectLimiter(RateLimit{}, time.Now) != nil {
		t.Fatal("a zero rate must turn limiting off")
	}
}
