package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/iup-platform/iup/handlers"
	"github.com/iup-platform/iup/projections"
	"github.com/iup-platform/iup/projections/bus"
	"github.com/iup-platform/iup/projections/redisstore"
	"github.com/iup-platform/iup/projections/runtime"
	"github.com/iup-platform/iup/projections/views"
)

// projectCommand is the projector's command line. Without --rebuild it runs
// the projector half of the distributed mode (projectorCommand). With it,
// it asks a running service or projector, through its operators' endpoint,
// to rebuild a view into a fresh namespace while the old one serves, then
// switch.
func projectCommand(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if !slices.ContainsFunc(args, func(a string) bool {
		return a == "-rebuild" || a == "--rebuild" || strings.HasPrefix(a, "-rebuild=") || strings.HasPrefix(a, "--rebuild=")
	}) {
		return projectorCommand(ctx, args, stderr)
	}
	fs := flag.NewFlagSet("project", flag.ContinueOnError)
	rebuild := fs.String("rebuild", "", "rebuild the named view (see GET /admin/projections for the names)")
	admin := fs.String("admin-url", "http://"+envOr("admin-addr", "127.0.0.1:8081"), "the running service's operators' endpoints")
	timeout := fs.Duration("timeout", 30*time.Minute, "give up after this long")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *rebuild == "" {
		return fmt.Errorf("project: say what to do: --rebuild NAME")
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, *admin+"/admin/projections/"+*rebuild+"/rebuild", nil)
	if err != nil {
		return fmt.Errorf("project: %w", err)
	}
	start := time.Now()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("project: is the service running? %w", err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("project: rebuild of %s: %s: %s", *rebuild, resp.Status, body)
	}
	fmt.Fprintf(stdout, "rebuilt %s in %s\n", *rebuild, time.Since(start).Round(time.Millisecond))
	return nil
}

// projectorCommand runs the projector half until ctx ends: the forwarder
// and the projections, each under its Redis lease, with the ops endpoints
// on --addr and the operators' endpoints on --admin-addr.
func projectorCommand(ctx context.Context, args []string, logOut io.Writer) error {
	var c Config
	if err := c.parse("project", args); err != nil {
		return err
	}
	logger := newLogger(c, logOut)
	p, err := startProjector(ctx, c, logger)
	if err != nil {
		return err
	}
	waitForStop(ctx, logger, p.served...)
	return p.Close()
}

// projectorMain is a running `iupd project`.
type projectorMain struct {
	cfg     Config
	log     *slog.Logger
	h       *halves
	bus     *bus.Redis
	side    *projectorSide
	servers []*http.Server
	addrs   []string
	served  []<-chan error
}

func startProjector(ctx context.Context, c Config, logger *slog.Logger) (*projectorMain, error) {
	h, err := openHalves(ctx, c, logger)
	if err != nil {
		return nil, err
	}
	p := &projectorMain{cfg: c, log: logger, h: h}
	codec, keys, err := openSealingFor(c, h.events)
	if err != nil {
		p.Close()
		return nil, fmt.Errorf("open keys: %w", err)
	}
	h.keys = keys
	if p.bus, err = bus.NewRedis(h.rdb, c.Dist.RedisPrefix, c.Dist.Holder, logger); err != nil {
		p.Close()
		return nil, err
	}
	p.side, err = newProjectorSide(h.events, codec, redisstore.New(h.rdb, c.Dist.RedisPrefix), p.bus, h.rdb,
		c.Dist, h.reg, logger, views.All())
	if err != nil {
		p.Close()
		return nil, err
	}
	if p.side.culler, err = newCuller(h.events, codec, logger.With("component", "culling")); err != nil {
		p.Close()
		return nil, err
	}
	p.side.keys = codec.Keyring()
	httpMetrics := handlers.NewHTTPMetrics(h.reg)
	ops := handlers.NewOps(prometheus.Gatherers{h.reg, p.side}, h.redisReady(),
		handlers.ReadinessCheck{Name: "event_store", Check: h.events.Ping})
	for _, s := range []struct {
		addr    string
		handler http.Handler
	}{
		{c.Addr, handlers.NewRouter(handlers.Routes{Ops: ops, Metrics: httpMetrics})},
		{c.AdminAddr, withPprof(c, handlers.NewAdminRouter(p.side, httpMetrics))},
	} {
		if s.addr == "" {
			continue
		}
		srv, ln, served, err := listenHTTP(ctx, c, s.addr, s.handler, logger)
		if err != nil {
			p.Close()
			return nil, err
		}
		p.servers, p.addrs, p.served = append(p.servers, srv), append(p.addrs, ln.Addr().String()), append(p.served, served)
	}
	if err := p.side.Start(ctx); err != nil {
		p.Close()
		return nil, err
	}
	logger.Info("projecting", "addr", p.addrs[0], "holder", c.Dist.Holder, "lease_ttl", c.Dist.LeaseTTL.String(), "version", version)
	return p, nil
}

// Close stops the HTTP servers, then the projections (releasing their
// leases, so another projector takes over at once), then the stores.
func (p *projectorMain) Close() error {
	errs := []error{shutdownAll(p.cfg, p.servers...)}
	if p.side != nil {
		errs = append(errs, p.side.Close())
	}
	if p.bus != nil {
		errs = append(errs, p.bus.Close())
	}
	errs = append(errs, p.h.Close())
	p.log.Info("stopped")
	return errors.Join(errs...)
}

// Status implements handlers.ProjectionAdmin: the projections this process
// runs now (another projector runs the rest).
func (ps *projectorSide) Status(ctx context.Context) ([]handlers.ProjectionStatus, error) {
	var out []handlers.ProjectionStatus
	for _, p := range ps.all {
		rt, ok := ps.running(p.Name)
		if !ok {
			continue
		}
		lag, err := rt.Lag(ctx, p.Name)
		if err != nil {
			return nil, err
		}
		parked, err := rt.Parked(p.Name)
		if err != nil {
			return nil, err
		}
		rd, err := rt.Reader(ctx, p.Name)
		if err != nil {
			return nil, err
		}
		out = append(out, handlers.ProjectionStatus{Name: p.Name, Version: p.Version, Namespace: string(rd.Namespace()),
			LagEvents: lag.Events, LagCapped: lag.Capped, LagSeconds: lag.Seconds, Parked: len(parked), Fenced: rt.Fenced(p.Name)})
	}
	return out, nil
}

// errNotHeldHere: the projection runs in another projector process.
var errNotHeldHere = errors.New("this projector does not hold the view's lease now; ask the one that does (GET /admin/projections)")

// runtimeOf returns the runtime running projection name, or the
// projection serving view name (an operator may name the view), and the
// projection's name.
func (ps *projectorSide) runtimeOf(name string) (*runtime.Runtime, string, error) {
	if name = projections.Serving(ps.all, name); name == "" {
		return nil, "", handlers.ErrUnknownProjection
	}
	rt, ok := ps.running(name)
	if !ok {
		return nil, "", fmt.Errorf("%s: %w", name, errNotHeldHere)
	}
	return rt, name, nil
}

// Parked implements handlers.ProjectionAdmin.
func (ps *projectorSide) Parked(name string) ([]handlers.ParkedEvent, error) {
	rt, name, err := ps.runtimeOf(name)
	if err != nil {
		return nil, err
	}
	parked, err := rt.Parked(name)
	if err != nil {
		return nil, err
	}
	out := make([]handlers.ParkedEvent, 0, len(parked))
	for _, p := range parked {
		out = append(out, handlers.ParkedEvent{EventID: p.EventID, Position: p.Position.String(), Type: p.Type,
			Error: p.Error, At: p.At.UTC().Format(time.RFC3339)})
	}
	return out, nil
}

// Rebuild implements handlers.ProjectionAdmin. The rebuild writes under
// the lease's fence: if the lease is lost meanwhile, its writes are refused.
func (ps *projectorSide) Rebuild(ctx context.Context, name string) error {
	rt, name, err := ps.runtimeOf(name)
	if err != nil {
		return err
	}
	err = rt.Rebuild(ctx, name)
	if errors.Is(err, projections.ErrFenced) {
		ps.fenced.WithLabelValues(name).Inc()
		ps.log.Warn("write refused: fenced off by a newer lease", "lease", name, "during", "rebuild")
	}
	return err
}
