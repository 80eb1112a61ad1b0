package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/redis/go-redis/v9"

	"github.com/iup-platform/iup/domain/catalog"
	"github.com/iup-platform/iup/eventstore"
	"github.com/iup-platform/iup/eventstore/kurrent"
	"github.com/iup-platform/iup/eventstore/shred"
	"github.com/iup-platform/iup/eventstore/sqlite"
	"github.com/iup-platform/iup/handlers"
)

// eventStore is the event store as the two halves use it: the port, plus
// the health checks and the request index (for Idempotency-Key) that every
// adapter provides.
type eventStore interface {
	eventstore.Store
	handlers.RequestIndex
	Ping(ctx context.Context) error
	Close() error
}

// openEventStore opens the store an --events URL names: sqlite:PATH, or
// KurrentDB in the client's connection-string format.
func openEventStore(url string, logger *slog.Logger) (eventStore, []prometheus.Collector, error) {
	if path, ok := strings.CutPrefix(url, "sqlite:"); ok {
		s, err := sqlite.Open(path)
		if err != nil {
			return nil, nil, fmt.Errorf("open event store: %w", err)
		}
		return s, s.Collectors(), nil
	}
	for _, scheme := range []string{"esdb://", "esdb+discover://", "kurrentdb://", "kurrentdb+discover://"} {
		if strings.HasPrefix(url, scheme) {
			s, err := kurrent.Open(url, kurrent.WithLogger(logger))
			if err != nil {
				return nil, nil, fmt.Errorf("open event store %s: %w", redactURL(url), err)
			}
			return s, nil, nil
		}
	}
	return nil, nil, fmt.Errorf("events: unsupported store URL %q (want sqlite:PATH or esdb://host:2113?tls=false)", redactURL(url))
}

// openSealingFor opens the sealing codec of `iupd api` and `iupd project`.
// On KurrentDB every student's data key lives in a stream of the same
// store (kurrent.KeyStore), so every process on every node shares them; the
// SQLite key store (DATA_DIR/keys.db) is for one host. The key files are
// then never created here (see requireKeyFiles). The closer is nil when
// there is nothing to close.
func openSealingFor(c Config, events eventStore, keyFiles ...string) (*shred.Codec, io.Closer, error) {
	ks, ok := events.(*kurrent.Store)
	if !ok {
		codec, keys, err := openCodec(c)
		if err != nil {
			return nil, nil, err
		}
		return codec, keys, nil
	}
	if err := requireKeyFiles(append([]string{c.MasterKeyFile}, keyFiles...)...); err != nil {
		return nil, nil, err
	}
	mk, err := shred.OpenFileMasterKey(c.MasterKeyFile)
	if err != nil {
		return nil, nil, err
	}
	return shred.NewCodec(catalog.Events, shred.NewKeyring(mk, kurrent.NewKeyStore(ks))), nil, nil
}

// requireKeyFiles refuses to start without the key files. iupd creates a
// missing key on first start, which is right for one process and wrong for
// replicas: each would make its own master key (sealing data no other
// replica can open) or consistency key. In distributed mode the keys come
// from outside (a Kubernetes Secret, compose secrets), made once.
func requireKeyFiles(paths ...string) error {
	for _, p := range paths {
		if p == "" {
			continue
		}
		if _, err := os.Stat(p); err != nil {
			return fmt.Errorf("key file %s: %w (in distributed mode the keys are made once and mounted into every process; see README, Distributed mode)", p, err)
		}
	}
	return nil
}

// halves holds what `iupd api` and `iupd project` both open: the event
// store, the sealing keys, Redis, the metrics registry.
type halves struct {
	events eventStore
	keys   io.Closer
	rdb    *redis.Client
	reg    *prometheus.Registry
}

func openHalves(ctx context.Context, c Config, logger *slog.Logger) (*halves, error) {
	h := &halves{reg: prometheus.NewRegistry()}
	h.reg.MustRegister(collectors.NewGoCollector(goRuntimeMetrics), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	events, cols, err := openEventStore(c.Events, logger)
	if err != nil {
		return nil, err
	}
	h.events = events
	h.reg.MustRegister(cols...)
	opts, err := c.Dist.redisOptions()
	if err != nil {
		h.Close()
		return nil, err
	}
	h.rdb = redis.NewClient(opts)
	pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := h.rdb.Ping(pctx).Err(); err != nil {
		h.Close()
		return nil, fmt.Errorf("redis %s: %w", redactURL(c.Dist.ReadModels), err)
	}
	return h, nil
}

// redisReady is the readiness check on the read models' Redis.
func (h *halves) redisReady() handlers.ReadinessCheck {
	return handlers.ReadinessCheck{Name: "redis", Check: func(ctx context.Context) error { return h.rdb.Ping(ctx).Err() }}
}

// Close releases what openHalves opened; safe on a partial open.
func (h *halves) Close() error {
	var errs []error
	if h.keys != nil {
		errs = append(errs, h.keys.Close())
	}
	if h.rdb != nil {
		errs = append(errs, h.rdb.Close())
	}
	if h.events != nil {
		errs = append(errs, h.events.Close())
	}
	return errors.Join(errs...)
}

// listenHTTP binds addr and serves handler with the configured timeouts;
// errors after the bind arrive on the returned channel.
func listenHTTP(ctx context.Context, c Config, addr string, handler http.Handler, logger *slog.Logger) (*http.Server, net.Listener, <-chan error, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("listen on %s: %w", addr, err)
	}
	srv := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: c.ReadHeaderTimeout,
		ReadTimeout:       c.ReadTimeout,
		WriteTimeout:      c.WriteTimeout,
		IdleTimeout:       c.IdleTimeout,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	served := make(chan error, 1)
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			served <- err
		}
		close(served)
	}()
	return srv, ln, served, nil
}

// shutdownAll stops the servers within the shutdown timeout.
func shutdownAll(c Config, servers ...*http.Server) error {
	timeout := c.ShutdownTimeout
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	var errs []error
	for _, srv := range servers {
		if srv != nil {
			if err := srv.Shutdown(ctx); err != nil {
				errs = append(errs, fmt.Errorf("http shutdown: %w", err))
			}
		}
	}
	return errors.Join(errs...)
}

// waitForStop blocks until ctx ends or a server fails.
func waitForStop(ctx context.Context, logger *slog.Logger, served ...<-chan error) {
	merged := make(chan error, len(served))
	for _, ch := range served {
		go func() {
			if err, ok := <-ch; ok {
				merged <- err
			}
		}()
	}
	select {
	case <-ctx.Done():
		logger.Info("shutting down", "reason", "signal")
	case err := <-merged:
		logger.Error("http server stopped", "err", err)
	}
}

// goRuntimeMetrics adds the scheduler's latencies (go_sched_latencies_seconds:
// how long runnable goroutines, request handlers among them, waited for a
// CPU) and the collector's pauses to the Go collector's defaults: under
// load they tell a CPU-starved process from a slow store.
var goRuntimeMetrics = collectors.WithGoCollectorRuntimeMetrics(collectors.MetricsScheduler, collectors.MetricsGC)
