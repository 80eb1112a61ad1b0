// Package handlers is the HTTP surface of the service: thin handlers that
// parse, authorize, call the domain or a view, and encode. The route table
// in routes.go reads like the API's table of contents.
package handlers

import (
	"context"
	"net/http"
	"sync/atomic"
	"time"

	gojson "github.com/goccy/go-json"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// ReadinessCheck is one named check behind /readyz (for example "event
// store writable"). It must answer within its context's deadline.
type ReadinessCheck struct {
	Name  string
	Check func(ctx context.Context) error
}

// Ops serves the operational endpoints: liveness, readiness and metrics.
type Ops struct {
	checks   []ReadinessCheck
	gatherer prometheus.Gatherer
	timeout  time.Duration
}

// NewOps returns the ops endpoints over the given readiness checks and
// metrics gatherer.
func NewOps(gatherer prometheus.Gatherer, checks ...ReadinessCheck) *Ops {
	return &Ops{checks: checks, gatherer: gatherer, timeout: 2 * time.Second}
}

// Healthz answers 200 while the process serves HTTP at all: a liveness probe
// must not depend on the store, or a slow disk would get the pod killed.
func (o *Ops) Healthz(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

// Readyz answers 200 only when every check passes, 503 with the failing
// checks named otherwise, so a load balancer stops sending writes to a node
// whose store is not writable.
func (o *Ops) Readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), o.timeout)
	defer cancel()
	status := http.StatusOK
	results := make(map[string]string, len(o.checks))
	for _, c := range o.checks {
		if err := c.Check(ctx); err != nil {
			status = http.StatusServiceUnavailable
			results[c.Name] = "failing"
			continue
		}
		results[c.Name] = "ok"
	}
	state := "ready"
	if status != http.StatusOK {
		state = "not ready"
	}
	writeJSON(w, status, map[string]any{"status": state, "checks": results})
}

// Metrics serves Prometheus metrics.
func (o *Ops) Metrics() http.Handler {
	return promhttp.HandlerFor(o.gatherer, promhttp.HandlerOpts{})
}

// sawBody, when a test sets it, sees every body writeJSON encodes.
var sawBody atomic.Pointer[func(v any)]

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	if see := sawBody.Load(); see != nil {
		(*see)(v)
	}
	// go-json writes encoding/json's bytes for these bodies
	// (TestResponseBodiesEncodeAsEncodingJSONWould), at a few times its
	// speed; a read's body is most of what the service encodes for it.
	_ = gojson.NewEncoder(w).Encode(v)
}
