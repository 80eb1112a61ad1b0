package main

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/iup-platform/iup/eventstore"
	"github.com/iup-platform/iup/eventstore/shred"
	"github.com/iup-platform/iup/eventstore/sqlite"
	"github.com/iup-platform/iup/handlers"
	"github.com/iup-platform/iup/handlers/auth"
	"github.com/iup-platform/iup/projections/runtime"
)

// Main is the running service. End-to-end tests start it in-process with
// the same Run the binary uses.
type Main struct {
	Config Config
	Logger *slog.Logger
	Clock  func() time.Time // the daily culling job's clock; nil = time.Now

	store    *sqlite.Store
	keys     io.Closer
	read     *readSide
	stopCull func()
	api      *handlers.API // flushes the read access log on Close
	server   *http.Server
	admin    *http.Server
	listener net.Listener
	adminLn  net.Listener
	served   chan error
}

// serveCommand runs the service until ctx ends (SIGTERM or SIGINT), then
// shuts down gracefully.
func serveCommand(ctx context.Context, args []string, logOut io.Writer) error {
	var m Main
	if err := m.Config.parse("serve", args); err != nil {
		return err
	}
	m.Logger = newLogger(m.Config, logOut)
	if err := m.Run(ctx); err != nil {
		return err
	}
	select {
	case <-ctx.Done():
		m.Logger.Info("shutting down", "reason", "signal")
	case err := <-m.served:
		m.Logger.Error("http server stopped", "err", err)
	}
	return m.Close()
}

// Run opens the store and starts serving; it returns once the listener is
// bound, so Addr is valid.
func (m *Main) Run(ctx context.Context) error {
	if m.Logger == nil {
		m.Logger = slog.New(slog.DiscardHandler)
	}
	path, ok := strings.CutPrefix(m.Config.Events, "sqlite:")
	if !ok {
		return fmt.Errorf("events: unsupported store URL %q (want sqlite:PATH)", m.Config.Events)
	}
	// The service is the file's only writer: its stream cache then
	// answers reads of hot streams without asking the file (and a second
	// service on the same data folder is refused).
	store, err := sqlite.Open(path, sqlite.WithSoleWriter(), sqlite.WithStreamCache(m.Config.StreamCacheMB<<20))
	if err != nil {
		return fmt.Errorf("open event store: %w", err)
	}
	m.store = store

	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(goRuntimeMetrics), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	reg.MustRegister(store.Collectors()...)

	codec, keys, err := openCodec(m.Config)
	if err != nil {
		m.closeAll()
		return fmt.Errorf("open keys: %w", err)
	}
	m.keys = keys
	m.read, err = startReadSide(ctx, store, codec, reg, m.Logger)
	if err != nil {
		m.closeAll()
		return err
	}
	if m.stopCull, err = startCulling(ctx, store, codec, m.read, m.Clock, m.Logger); err != nil {
		m.closeAll()
		return err
	}

	httpMetrics := handlers.NewHTTPMetrics(reg)
	ops := handlers.NewOps(reg,
		handlers.ReadinessCheck{Name: "event_store_writable", Check: store.Writable},
	)
	access, err := openAccessLog(m.Config, store, codec.Keyring())
	if err != nil {
		m.closeAll()
		return err
	}
	api, jwks, err := m.newAPI(ctx, reg, store, store, codec, viewReader{m.read.runtime}, m.read.runtime, access)
	if err != nil {
		m.closeAll()
		return err
	}
	router := handlers.NewRouter(handlers.Routes{Ops: ops, Metrics: httpMetrics, API: api, JWKS: jwks})
	if m.Config.AdminAddr != "" {
		if m.adminLn, err = net.Listen("tcp", m.Config.AdminAddr); err != nil {
			m.closeAll()
			return fmt.Errorf("listen on %s: %w", m.Config.AdminAddr, err)
		}
		m.admin = &http.Server{Handler: withPprof(m.Config, handlers.NewAdminRouter(m.read, httpMetrics)), ReadHeaderTimeout: m.Config.ReadHeaderTimeout}
		go func() { _ = m.admin.Serve(m.adminLn) }()
	}

	ln, err := net.Listen("tcp", m.Config.Addr)
	if err != nil {
		m.closeAll()
		return fmt.Errorf("listen on %s: %w", m.Config.Addr, err)
	}
	m.listener = ln
	m.server = &http.Server{
		Handler:           router,
		ReadHeaderTimeout: m.Config.ReadHeaderTimeout,
		ReadTimeout:       m.Config.ReadTimeout,
		WriteTimeout:      m.Config.WriteTimeout,
		IdleTimeout:       m.Config.IdleTimeout,
		ErrorLog:          slog.NewLogLogger(m.Logger.Handler(), slog.LevelWarn),
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	m.served = make(chan error, 1)
	go func() {
		if err := m.server.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			m.served <- err
		}
		close(m.served)
	}()
	m.Logger.Info("serving", "addr", ln.Addr().String(), "events", "sqlite", "version", version)
	return nil
}

// newAPI wires the /v1 API: the domain's log over the store, the views,
// authentication (embedded issuer or external JWKS) and consistency tokens.
// iupd api calls it too, with views read from Redis.
func (m *Main) newAPI(ctx context.Context, reg prometheus.Registerer, store eventstore.Store, requests handlers.RequestIndex, codec eventstore.Codec,
	views handlers.ViewReader, waiter handlers.Waiter, access handlers.AccessSink) (*handlers.API, http.Handler, error) {
	fail := func(err error) (*handlers.API, http.Handler, error) {
		return nil, nil, errors.Join(err, access.Close())
	}
	var keys auth.KeySource
	var jwks http.Handler
	if m.Config.AuthJWKSURL != "" {
		remote, err := auth.NewRemoteKeys(ctx, m.Config.AuthJWKSURL)
		if err != nil {
			return fail(err)
		}
		keys = remote
	} else {
		local, err := auth.OpenLocalIssuer(m.Config.SigningKeyFile)
		if err != nil {
			return fail(err)
		}
		keys, jwks = auth.StaticKeys{Set: local.Keys()}, local.JWKSHandler()
	}
	verifier, err := auth.NewVerifier(auth.VerifierConfig{Issuer: m.Config.AuthIssuer, Audience: m.Config.AuthAudience,
		Keys: keys, Skew: 30 * time.Second})
	if err != nil {
		return fail(err)
	}
	tokenKey, err := loadOrCreateSecret(m.Config.ConsistencyKeyFile)
	if err != nil {
		return fail(fmt.Errorf("consistency key: %w", err))
	}
	tokens, err := handlers.NewConsistencyTokens(tokenKey)
	if err != nil {
		return fail(err)
	}
	domainLog := eventstore.NewDomainLog(store, codec, eventstore.WithKeptStates(m.Config.KeptStatesMB<<20))
	for _, c := range domainLog.Collectors() {
		if err := reg.Register(c); err != nil {
			return fail(fmt.Errorf("kept states metrics: %w", err))
		}
	}
	cfg := handlers.APIConfig{
		Log: domainLog, Streams: store, Requests: requests,
		Views: views, Waiter: waiter, Authenticator: verifier,
		Tokens: tokens, Clock: time.Now, Logger: m.Logger, AccessLog: access,
		RateLimit: handlers.RateLimit{Rate: m.Config.RateLimit, Burst: m.Config.RateBurst},
	}
	// A lawful erasure destroys keys through the same keyring the codec
	// reads with, so this node forgets them at once.
	if sealing, ok := codec.(*shred.Codec); ok {
		cfg.Keys = sealing.Keyring()
	}
	api, err := handlers.NewAPI(cfg)
	if err != nil {
		return fail(err)
	}
	m.api = api
	return api, jwks, nil
}

// viewReader reads views through the runtime's active namespaces.
type viewReader struct{ rt *runtime.Runtime }

func (v viewReader) Get(ctx context.Context, view string, keys ...string) ([][]byte, error) {
	rd, err := v.rt.Reader(ctx, view)
	if err != nil {
		return nil, err
	}
	return rd.Get(ctx, keys...)
}

func (v viewReader) Scan(ctx context.Context, view, prefix string, fn func(key string, value []byte) error) error {
	rd, err := v.rt.Reader(ctx, view)
	if err != nil {
		return err
	}
	return rd.Scan(ctx, prefix, fn)
}

// loadOrCreateSecret reads a 32-byte secret, creating it (0600) when missing.
func loadOrCreateSecret(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		b = make([]byte, 32)
		if _, err := rand.Read(b); err != nil {
			return nil, err
		}
		if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
			return nil, err
		}
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if errors.Is(err, fs.ErrExist) {
			return loadOrCreateSecret(path)
		}
		if err != nil {
			return nil, err
		}
		if _, err := f.Write(b); err != nil {
			_ = f.Close()
			return nil, err
		}
		return b, errors.Join(f.Sync(), f.Close())
	}
	if err != nil {
		return nil, err
	}
	if len(b) < 32 {
		return nil, fmt.Errorf("%s holds %d bytes, want 32", filepath.Base(path), len(b))
	}
	return b, nil
}

// Addr is the bound listen address (useful with ":0").
func (m *Main) Addr() string { return m.listener.Addr().String() }

// Close stops taking requests, lets in-flight ones finish (appends among
// them) within the shutdown timeout, then stops the read side and closes
// the stores.
func (m *Main) Close() error {
	var errs []error
	timeout := m.Config.ShutdownTimeout
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	for _, srv := range []*http.Server{m.server, m.admin} {
		if srv != nil {
			if err := srv.Shutdown(ctx); err != nil {
				errs = append(errs, fmt.Errorf("http shutdown: %w", err))
			}
		}
	}
	if m.api != nil {
		if err := m.api.Close(); err != nil {
			errs = append(errs, fmt.Errorf("close read access log: %w", err))
		}
		m.api = nil
	}
	errs = append(errs, m.closeAll())
	m.Logger.Info("stopped")
	return errors.Join(errs...)
}

// closeAll releases what Run opened, in reverse order; safe on a partial Run.
func (m *Main) closeAll() error {
	var errs []error
	if m.stopCull != nil {
		m.stopCull()
		m.stopCull = nil
	}
	if m.read != nil {
		if err := m.read.Close(); err != nil {
			errs = append(errs, fmt.Errorf("stop projections: %w", err))
		}
		m.read = nil
	}
	if m.keys != nil {
		if err := m.keys.Close(); err != nil {
			errs = append(errs, fmt.Errorf("close key store: %w", err))
		}
		m.keys = nil
	}
	if m.store != nil {
		if err := m.store.Close(); err != nil {
			errs = append(errs, fmt.Errorf("close event store: %w", err))
		}
		m.store = nil
	}
	return errors.Join(errs...)
}

// AdminAddr is the bound address of the operators' endpoints ("" when off).
func (m *Main) AdminAddr() string {
	if m.adminLn == nil {
		return ""
	}
	return m.adminLn.Addr().String()
}
