package handlers

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/mux"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/iup-platform/iup/domain"
	"github.com/iup-platform/iup/domain/catalog"
	"github.com/iup-platform/iup/eventstore"
	"github.com/iup-platform/iup/eventstore/shred"
	"github.com/iup-platform/iup/eventstore/sqlite"
	"github.com/iup-platform/iup/handlers/auth"
)

const (
	testIssuer   = "iupd-test"
	testAudience = "iup-api"
)

// testClock is the API's clock in tests: it moves only when told.
type testClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *testClock) Now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *testClock) Set(t time.Time) { c.mu.Lock(); c.now = t; c.mu.Unlock() }
func (c *testClock) Day(day string)  { c.Set(domain.MustDate(day).Start(time.UTC).Add(10 * time.Hour)) }

// noViews stands in for the read side in command tests.
type noViews struct{}

func (noViews) Get(_ context.Context, _ string, keys ...string) ([][]byte, error) {
	return make([][]byte, len(keys)), nil
}
func (noViews) Scan(context.Context, string, string, func(string, []byte) error) error { return nil }
func (noViews) WaitFor(context.Context, string, eventstore.Position) error             { return nil }

// apiHarness is the API over a real SQLite store, served by httptest.
// failingViews fails every read, as views in a Redis that is gone do.
type failingViews struct{ err error }

func (f failingViews) Get(context.Context, string, ...string) ([][]byte, error) { return nil, f.err }
func (f failingViews) Scan(context.Context, string, string, func(string, []byte) error) error {
	return f.err
}
func (f failingViews) WaitFor(context.Context, string, eventstore.Position) error { return f.err }

type apiHarness struct {
	t      testing.TB
	dir    string
	store  *sqlite.Store
	issuer *auth.LocalIssuer
	clock  *testClock // the API's clock: the instant commands carry
	// authClock checks and mints tokens, apart from clock so a test can
	// move the school calendar without expiring its tokens.
	authClock *testClock
	srv       *httptest.Server
	router    *mux.Router
	tokens    *ConsistencyTokens
	// full runs the real read side and sealing codec (end-to-end tests).
	full  bool
	read  *readSide
	codec eventstore.Codec
	// rateLimit is the API's per-caller budget (none unless a test sets it
	// before start).
	rateLimit RateLimit
	// viewsFail, set before a (re)start, makes every read of the views
	// fail with it, as a lost Redis does.
	viewsFail error
}

func newHarness(t testing.TB) *apiHarness { return newHarnessWith(t, false) }

// newFullHarness is the API over the real SQLite store, the sealing codec
// and the projection runtime with every view: what iupd serve runs.
func newFullHarness(t testing.TB) *apiHarness { return newHarnessWith(t, true) }

func newHarnessWith(t testing.TB, full bool) *apiHarness {
	t.Helper()
	h := &apiHarness{t: t, dir: t.TempDir(), clock: &testClock{}, authClock: &testClock{now: time.Now()}, full: full}
	h.clock.Day("2025-09-01")
	var err error
	if h.issuer, err = auth.OpenLocalIssuer(filepath.Join(h.dir, "signing-key.jwk")); err != nil {
		t.Fatal(err)
	}
	if h.tokens, err = NewConsistencyTokens(bytes.Repeat([]byte("k"), 32)); err != nil {
		t.Fatal(err)
	}
	h.start()
	t.Cleanup(h.stop)
	return h
}

// start opens the store and serves; stop and start again is a restart.
func (h *apiHarness) start() {
	t := h.t
	var err error
	if h.store, err = sqlite.Open(filepath.Join(h.dir, "events.db")); err != nil {
		t.Fatal(err)
	}
	verifier, err := auth.NewVerifier(auth.VerifierConfig{Issuer: testIssuer, Audience: testAudience,
		Keys: auth.StaticKeys{Set: h.issuer.Keys()}, Clock: h.authClock.Now})
	if err != nil {
		t.Fatal(err)
	}
	var views ViewReader = noViews{}
	var waiter Waiter = noViews{}
	h.codec = eventstore.PlainCodec{Registry: catalog.Events}
	if h.full {
		h.read = startReadSide(t, h.dir, h.store)
		h.codec, views, waiter = h.read.codec, h.read, h.read
	}
	if h.viewsFail != nil {
		views, waiter = failingViews{h.viewsFail}, failingViews{h.viewsFail}
	}
	cfg := APIConfig{Log: eventstore.NewDomainLog(h.store, h.codec),
		Streams: h.store, Requests: h.store, Views: views, Waiter: waiter, Authenticator: verifier,
		Tokens: h.tokens, Clock: h.clock.Now, Logger: slog.New(slog.DiscardHandler), RateLimit: h.rateLimit}
	if sealing, ok := h.codec.(*shred.Codec); ok {
		cfg.Keys = sealing.Keyring() // as iupd serve: erasure destroys keys
	}
	api, err := NewAPI(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ops := NewOps(prometheus.NewRegistry())
	h.router = NewRouter(Routes{Ops: ops, Metrics: NewHTTPMetrics(prometheus.NewRegistry()), API: api, JWKS: h.issuer.JWKSHandler()}).(*mux.Router)
	h.srv = httptest.NewServer(h.router)
}

func (h *apiHarness) stop() {
	if h.srv != nil {
		h.srv.Close()
		h.srv = nil
	}
	if h.read != nil {
		h.read.close(h.t)
		h.read = nil
	}
	if h.store != nil {
		if err := h.store.Close(); err != nil {
			h.t.Error(err)
		}
		h.store = nil
	}
}

func (h *apiHarness) restart() { h.stop(); h.start() }

// token mints an access token for sub in tenant with roles.
func (h *apiHarness) token(tenant, sub string, roles ...domain.Role) string {
	h.t.Helper()
	tok, err := h.issuer.Mint(auth.TokenRequest{Issuer: testIssuer, Audience: testAudience, Subject: sub, Tenant: tenant,
		Roles: roles, Now: h.authClock.Now(), TTL: time.Hour})
	if err != nil {
		h.t.Fatal(err)
	}
	return tok
}

type resp struct {
	Status int
	Header http.Header
	Body   []byte
}

func (r resp) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.Body, &m); err != nil {
		t.Fatalf("body is not a JSON object: %v: %s", err, r.Body)
	}
	return m
}

// do sends a request; body is marshalled unless it is a string or []byte.
func (h *apiHarness) do(method, path, token string, body any, headers ...string) resp {
	h.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			h.t.Fatal(err)
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, h.srv.URL+path, rd)
	if err != nil {
		h.t.Fatal(err)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := h.srv.Client().Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		h.t.Fatal(err)
	}
	out := resp{Status: res.StatusCode, Header: res.Header, Body: raw}
	if checkExchange != nil {
		checkExchange(h, req, out)
	}
	return out
}

// checkExchange, when set, sees every request and answer of the harness
// (the OpenAPI test checks them against the document).
var checkExchange func(h *apiHarness, req *http.Request, r resp)

// must fails unless the response has status want.
func must(t *testing.T, r resp, want int) resp {
	t.Helper()
	if r.Status != want {
		t.Fatalf("status %d, want %d: %s", r.Status, want, r.Body)
	}
	return r
}
