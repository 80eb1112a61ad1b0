package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"path/filepath"
	"time"

	"github.com/iup-platform/iup/eventstore"
	"github.com/iup-platform/iup/eventstore/kurrent"
	"github.com/iup-platform/iup/eventstore/shred"
	"github.com/iup-platform/iup/eventstore/sqlite"
	"github.com/iup-platform/iup/handlers"
	"github.com/iup-platform/iup/projections"
	"github.com/iup-platform/iup/projections/redisstore"
	"github.com/iup-platform/iup/projections/views"
)

// apiCommand runs the stateless half until ctx ends: the HTTP API, its
// writes going to the event store, its reads to the views in Redis that
// `iupd project` keeps. Any number of them can run side by side.
func apiCommand(ctx context.Context, args []string, logOut io.Writer) error {
	var c Config
	if err := c.parse("api", args); err != nil {
		return err
	}
	logger := newLogger(c, logOut)
	a, err := startAPI(ctx, c, logger)
	if err != nil {
		return err
	}
	waitForStop(ctx, logger, a.served)
	return a.Close()
}

// apiMain is a running `iupd api`.
type apiMain struct {
	cfg    Config
	log    *slog.Logger
	h      *halves
	server *http.Server
	addr   string
	served <-chan error
	api    *handlers.API // flushes the read access log on Close
}

func startAPI(ctx context.Context, c Config, logger *slog.Logger) (*apiMain, error) {
	h, err := openHalves(ctx, c, logger)
	if err != nil {
		return nil, err
	}
	a := &apiMain{cfg: c, log: logger, h: h}
	// The signing key is needed only when this process checks tokens
	// against the embedded issuer's key.
	apiKeys := []string{c.ConsistencyKeyFile}
	if c.AuthJWKSURL == "" {
		apiKeys = append(apiKeys, c.SigningKeyFile)
	}
	codec, keys, err := openSealingFor(c, h.events, apiKeys...)
	if err != nil {
		a.Close()
		return nil, fmt.Errorf("open keys: %w", err)
	}
	h.keys = keys
	rv := &redisViews{store: redisstore.New(h.rdb, c.Dist.RedisPrefix), poll: 20 * time.Millisecond}
	m := &Main{Config: c, Logger: logger}
	access, err := openAccessLog(c, h.events, codec.Keyring())
	if err != nil {
		a.Close()
		return nil, err
	}
	api, jwks, err := m.newAPI(ctx, h.reg, h.events, h.events, codec, rv, rv, access)
	if err != nil {
		a.Close()
		return nil, err
	}
	a.api = api
	checks := []handlers.ReadinessCheck{h.redisReady()}
	if w, ok := h.events.(interface{ Writable(context.Context) error }); ok {
		checks = append(checks, handlers.ReadinessCheck{Name: "event_store_writable", Check: w.Writable})
	} else {
		checks = append(checks, handlers.ReadinessCheck{Name: "event_store", Check: h.events.Ping})
	}
	httpMetrics := handlers.NewHTTPMetrics(h.reg)
	router := handlers.NewRouter(handlers.Routes{Ops: handlers.NewOps(h.reg, checks...), Metrics: httpMetrics, API: api, JWKS: jwks})
	srv, ln, served, err := listenHTTP(ctx, c, c.Addr, router, logger)
	if err != nil {
		a.Close()
		return nil, err
	}
	a.server, a.addr, a.served = srv, ln.Addr().String(), served
	logger.Info("serving", "addr", a.addr, "mode", "api", "version", version)
	return a, nil
}

// Close lets in-flight requests finish, flushes the read access log, then
// closes the stores.
func (a *apiMain) Close() error {
	err := shutdownAll(a.cfg, a.server)
	if a.api != nil {
		err = errors.Join(err, a.api.Close())
	}
	err = errors.Join(err, a.h.Close())
	a.log.Info("stopped")
	return err
}

// redisViews reads views from Redis through each view's active namespace,
// which the projector switches after a rebuild.
type redisViews struct {
	store *redisstore.Store
	poll  time.Duration
}

func (v *redisViews) active(ctx context.Context, view string) (projections.Namespace, error) {
	name := views.Projection(view) // a family projection serves several views
	if name == "" {
		name = view
	}
	ns, err := v.store.Active(ctx, name)
	if err != nil {
		return "", err
	}
	if ns == "" {
		return "", fmt.Errorf("view %s is not built yet: is `iupd project` running?", view)
	}
	return ns, nil
}

// Get implements handlers.ViewReader.
func (v *redisViews) Get(ctx context.Context, view string, keys ...string) ([][]byte, error) {
	ns, err := v.active(ctx, view)
	if err != nil {
		return nil, err
	}
	return v.store.Get(ctx, ns, keys...)
}

// Scan implements handlers.ViewReader.
func (v *redisViews) Scan(ctx context.Context, view, prefix string, fn func(key string, value []byte) error) error {
	ns, err := v.active(ctx, view)
	if err != nil {
		return err
	}
	return v.store.Scan(ctx, ns, prefix, fn)
}

// WaitFor implements handlers.Waiter: it polls the view's checkpoint in
// Redis until it reaches pos or ctx ends (the caller bounds the wait).
func (v *redisViews) WaitFor(ctx context.Context, view string, pos eventstore.Position) error {
	for {
		ns, err := v.active(ctx, view)
		if err == nil {
			cp, _, err := v.store.Checkpoint(ctx, ns)
			if err != nil {
				return err
			}
			if !cp.Before(pos) {
				return nil
			}
		}
		if err := sleepCtx(ctx, v.poll); err != nil {
			return fmt.Errorf("view %s has not reached %s: %w", view, pos, err)
		}
	}
}

// AccessLogFile is the embedded read access log's file in the data folder.
const AccessLogFile = "access-log.db"

// openAccessLog opens the read access log where the events are. On
// KurrentDB it is the store's own system streams, which every API node
// shares and no $all reader sees. On SQLite it is a SQLite event store of
// its own beside the event store: the SQLite adapter's log has no system
// streams, so access events there would reach the views and the verifier.
// Either way the entries are sealed with each student's access-log key, so
// culling shreds them (docs/decisions.md).
func openAccessLog(c Config, events eventstore.Store, keys *shred.Keyring) (*handlers.EventAccessSink, error) {
	if _, ok := events.(*kurrent.Store); ok {
		ks, err := openKurrentAccessStreams(c.Events)
		if err != nil {
			return nil, err
		}
		sink, err := handlers.NewEventAccessSink(ks, shred.NewCodec(handlers.AccessEvents, keys), ks.Close)
		if err != nil {
			return nil, errors.Join(err, ks.Close())
		}
		return sink, nil
	}
	return openAccessLogFile(filepath.Join(c.DataDir, AccessLogFile), keys)
}

// openAccessLogFile opens (creating) the embedded access log at path.
func openAccessLogFile(path string, keys *shred.Keyring) (*handlers.EventAccessSink, error) {
	store, err := sqlite.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open the read access log: %w", err)
	}
	sink, err := handlers.NewEventAccessSink(store, shred.NewCodec(handlers.AccessEvents, keys), store.Close)
	if err != nil {
		return nil, errors.Join(err, store.Close())
	}
	return sink, nil
}
