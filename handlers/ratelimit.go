package handlers

import (
	"math"
	"net/http"
	"strconv"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// RateLimit is the per-caller request budget of /v1: a token bucket per
// (tenant, subject), so one runaway client slows itself, not the school.
type RateLimit struct {
	// Rate is requests per second a caller may keep up; 0 turns limiting off.
	Rate float64
	// Burst is how many requests a caller may send at once after a pause.
	Burst int
	// Idle is how long an unused bucket is kept; at least the time a bucket
	// takes to fill again (a forgotten bucket would be full anyway).
	Idle time.Duration
}

// subjectLimiter holds the buckets. Memory is bounded by the callers active
// within Idle: sweeps drop the others.
type subjectLimiter struct {
	limit rate.Limit
	burst int
	idle  time.Duration
	now   func() time.Time

	mu        sync.Mutex
	buckets   map[subjectKey]*bucket
	lastSweep time.Time
}

type subjectKey struct{ tenant, subject string }

type bucket struct {
	lim  *rate.Limiter
	last time.Time
}

// newSubjectLimiter returns nil when rl turns limiting off.
func newSubjectLimiter(rl RateLimit, now func() time.Time) *subjectLimiter {
	if rl.Rate <= 0 {
		return nil
	}
	if rl.Burst < 1 {
		rl.Burst = max(1, int(math.Ceil(rl.Rate)))
	}
	refill := time.Duration(float64(rl.Burst) / rl.Rate * float64(time.Second))
	idle := max(rl.Idle, refill, time.Second)
	if rl.Idle <= 0 {
		idle = max(10*time.Minute, refill)
	}
	return &subjectLimiter{limit: rate.Limit(rl.Rate), burst: rl.Burst, idle: idle, now: now,
		buckets: map[subjectKey]*bucket{}, lastSweep: now()}
}

// allow takes a token from the caller's bucket; when there is none it says
// how long until there is.
func (l *subjectLimiter) allow(tenant, subject string) (bool, time.Duration) {
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.Sub(l.lastSweep) >= l.idle/2 {
		l.sweep(now)
	}
	k := subjectKey{tenant, subject}
	b, ok := l.buckets[k]
	if !ok {
		b = &bucket{lim: rate.NewLimiter(l.limit, l.burst)}
		l.buckets[k] = b
	}
	b.last = now
	r := b.lim.ReserveN(now, 1)
	if !r.OK() {
		return false, time.Second
	}
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now) // a refused request costs nothing
		return false, d
	}
	return true, 0
}

// sweep drops buckets unused for idle: they have refilled, so forgetting
// them changes no answer.
func (l *subjectLimiter) sweep(now time.Time) {
	for k, b := range l.buckets {
		if now.Sub(b.last) >= l.idle {
			delete(l.buckets, k)
		}
	}
	l.lastSweep = now
}

// size is the number of buckets held (tests).
func (l *subjectLimiter) size() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.buckets)
}

// rateLimit is the /v1 middleware after authentication: the bucket is the
// verified caller's, never an address's (schools share NAT addresses).
func (a *API) rateLimit(next http.Handler) http.Handler {
	if a.limiter == nil {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := principal(r)
		ok, wait := a.limiter.allow(p.Tenant, p.Subject)
		if !ok {
			secs := int(math.Ceil(wait.Seconds()))
			w.Header().Set("Retry-After", strconv.Itoa(max(1, secs)))
			a.logger.DebugContext(r.Context(), "rate limited", "route", routeTemplate(r))
			WriteProblem(w, r, Problem{Type: ProblemTooManyRequests, Status: http.StatusTooManyRequests, Title: "Too many requests",
				Detail: "This caller sent more requests than its budget allows; wait the Retry-After seconds and send fewer at once."})
			return
		}
		next.ServeHTTP(w, r)
	})
}
