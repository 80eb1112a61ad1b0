package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/iup-platform/iup/eventstore"
	"github.com/iup-platform/iup/handlers"
	"github.com/iup-platform/iup/projections"
	"github.com/iup-platform/iup/projections/redisstore"
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
	api, jwks, err := m.newAPI(ctx, h.events, h.events, codec, rv, rv)
	if err != nil {
		a.Close()
		return nil, err
	}
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

// Close lets in-flight requests finish, then closes the stores.
func (a *apiMain) Close() error {
	err := errors.Join(shutdownAll(a.cfg, a.server), a.h.Close())
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
	ns, err := v.store.Active(ctx, view)
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
