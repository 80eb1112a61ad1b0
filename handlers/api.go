package handlers

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/gorilla/mux"

	"github.com/iup-platform/iup/domain"
	"github.com/iup-platform/iup/domain/retention"
	"github.com/iup-platform/iup/eventstore"
	"github.com/iup-platform/iup/handlers/auth"
)

// The API's dependencies, each as small as the API needs it.

// StreamReader reads one stream of the event store: the current revision
// for a 409, and raw events for time travel.
type StreamReader interface {
	ReadStream(ctx context.Context, stream string, opts eventstore.ReadStreamOptions) ([]eventstore.RecordedEvent, error)
}

// RequestIndex finds the events written under one request id prefix in a
// tenant: how an Idempotency-Key is recognised after a restart (the key is
// kept in the events' metadata, see docs/decisions.md).
type RequestIndex interface {
	EventsByRequest(ctx context.Context, tenant, requestIDPrefix string) ([]eventstore.RecordedEvent, error)
}

// ViewReader reads the documents of one view (projection) by key or prefix.
type ViewReader interface {
	Get(ctx context.Context, view string, keys ...string) ([][]byte, error)
	Scan(ctx context.Context, view, prefix string, fn func(key string, value []byte) error) error
}

// Waiter waits until a view has applied the log up to a position: the
// reads' side of read-your-writes. The caller bounds the wait with ctx.
type Waiter interface {
	WaitFor(ctx context.Context, view string, pos eventstore.Position) error
}

// Authenticator turns a bearer token into the caller.
type Authenticator interface {
	Authenticate(ctx context.Context, bearer string) (auth.Principal, error)
}

// APIConfig is what NewAPI needs. Every field but MaxBody and ReadWait is
// required.
type APIConfig struct {
	Log           domain.EventLog // the domain's view of the event store (eventstore.DomainLog)
	Streams       StreamReader
	Requests      RequestIndex
	Views         ViewReader
	Waiter        Waiter
	Authenticator Authenticator
	Tokens        *ConsistencyTokens
	Clock         func() time.Time
	Logger        *slog.Logger
	MaxBody       int64         // request body limit; DefaultMaxBody when 0
	ReadWait      time.Duration // how long a read waits for a consistency token; 2s when 0
	// AccessLog keeps who read which student's records (read_access.go);
	// an in-memory log when nil.
	AccessLog AccessSink
	// RateLimit is each caller's request budget; the zero value is no limit.
	RateLimit RateLimit
	// Keys destroys data keys for a lawful erasure (the keyring, wrapped so
	// each destruction is in the cull register). Nil: erasure through the
	// API is refused with 503 and `iupd erase` is the way.
	Keys retention.KeyDestroyer
}

// API serves /v1: the commands (write pipeline in write.go) and the reads.
type API struct {
	log      domain.EventLog
	streams  StreamReader
	requests RequestIndex
	views    ViewReader
	waiter   Waiter
	authn    Authenticator
	tokens   *ConsistencyTokens
	now      func() time.Time
	logger   *slog.Logger
	maxBody  int64
	readWait time.Duration
	keys     keyLocks
	reads    *reads          // the read side: policy, access log, SSE (read_api.go)
	limiter  *subjectLimiter // nil: no rate limit
	shredder retention.KeyDestroyer
}

// NewAPI checks and wires the dependencies.
func NewAPI(c APIConfig) (*API, error) {
	switch {
	case c.Log == nil:
		return nil, errors.New("handlers: API needs an event log")
	case c.Streams == nil:
		return nil, errors.New("handlers: API needs a stream reader")
	case c.Requests == nil:
		return nil, errors.New("handlers: API needs a request index (idempotency)")
	case c.Views == nil:
		return nil, errors.New("handlers: API needs a view reader")
	case c.Waiter == nil:
		return nil, errors.New("handlers: API needs a waiter")
	case c.Authenticator == nil:
		return nil, errors.New("handlers: API needs an authenticator")
	case c.Tokens == nil:
		return nil, errors.New("handlers: API needs consistency tokens")
	case c.Clock == nil:
		return nil, errors.New("handlers: API needs a clock")
	case c.Logger == nil:
		return nil, errors.New("handlers: API needs a logger")
	}
	marked := unavailableViews{views: c.Views, waiter: c.Waiter}
	c.Views, c.Waiter = marked, marked
	a := &API{log: c.Log, streams: c.Streams, requests: c.Requests, views: c.Views, waiter: c.Waiter,
		authn: c.Authenticator, tokens: c.Tokens, now: c.Clock, logger: c.Logger,
		maxBody: c.MaxBody, readWait: c.ReadWait, shredder: c.Keys}
	if a.maxBody <= 0 {
		a.maxBody = DefaultMaxBody
	}
	if a.readWait <= 0 {
		a.readWait = 2 * time.Second
	}
	a.keys.init()
	// Buckets run on the wall clock: the API's clock is the school
	// calendar, which tests move by months.
	a.limiter = newSubjectLimiter(c.RateLimit, time.Now)
	if err := a.initReads(c); err != nil {
		return nil, err
	}
	return a, nil
}

// RoleHeader names the role a caller whose token grants several acts in.
const RoleHeader = "IUP-Role"

// authenticate is the /v1 middleware: no route runs without a verified
// caller in the context.
func (a *API) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		bearer, ok := bearerToken(r)
		if !ok {
			unauthorized(w, r, "Send an access token: Authorization: Bearer <token>.")
			return
		}
		p, err := a.authn.Authenticate(r.Context(), bearer)
		if err != nil {
			a.logger.InfoContext(r.Context(), "access token refused", "route", routeTemplate(r), "err", err)
			unauthorized(w, r, "The access token is not valid: "+auth.Reason(err)+".")
			return
		}
		if p, err = p.Acting(r.Header.Get(RoleHeader)); err != nil {
			WriteProblem(w, r, Problem{Type: ProblemForbidden, Status: http.StatusForbidden, Title: "Role not granted",
				Field: RoleHeader, Detail: "The access token does not grant the role named in " + RoleHeader + "."})
			return
		}
		next.ServeHTTP(w, r.WithContext(auth.WithPrincipal(r.Context(), p)))
	})
}

func bearerToken(r *http.Request) (string, bool) {
	h := r.Header.Get("Authorization")
	const prefix = "bearer "
	if len(h) <= len(prefix) || !strings.EqualFold(h[:len(prefix)], prefix) {
		return "", false
	}
	return h[len(prefix):], true
}

func unauthorized(w http.ResponseWriter, r *http.Request, detail string) {
	w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
	WriteProblem(w, r, Problem{Type: ProblemUnauthorized, Status: http.StatusUnauthorized, Title: "Unauthorized", Detail: detail})
}

// routeTemplate is the matched route's template: safe to log (ids are not
// in it).
func routeTemplate(r *http.Request) string {
	if cr := mux.CurrentRoute(r); cr != nil {
		if tpl, err := cr.GetPathTemplate(); err == nil {
			return tpl
		}
	}
	return "unmatched"
}

// principal is the caller; the middleware guarantees one on /v1.
func principal(r *http.Request) auth.Principal {
	p, _ := auth.FromContext(r.Context())
	return p
}
