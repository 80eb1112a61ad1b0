package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/iup-platform/iup/domain/catalog"
	"github.com/iup-platform/iup/eventstore"
	"github.com/iup-platform/iup/eventstore/shred"
	"github.com/iup-platform/iup/handlers"
	"github.com/iup-platform/iup/projections"
	"github.com/iup-platform/iup/projections/bus"
	"github.com/iup-platform/iup/projections/memstore"
	"github.com/iup-platform/iup/projections/runtime"
	"github.com/iup-platform/iup/projections/views"
)

// openCodec opens the sealing codec: personal content is encrypted with the
// data subject's key, keys wrapped by the master key file.
func openCodec(c Config) (*shred.Codec, *shred.SQLiteKeyStore, error) {
	mk, err := shred.OpenFileMasterKey(c.MasterKeyFile)
	if err != nil {
		return nil, nil, err
	}
	ks, err := shred.OpenSQLiteKeyStore(filepath.Join(c.DataDir, "keys.db"))
	if err != nil {
		return nil, nil, err
	}
	// The daily culling's destroyed keys are listed for restores.
	return shred.NewCodec(catalog.Events, shred.NewKeyring(mk, withCullRegister(ks, c.MasterKeyFile))), ks, nil
}

// readSide is the embedded read side: every view in memory, built from the
// log at start, then fed over the in-process bus by the forwarder.
type readSide struct {
	runtime   *runtime.Runtime
	views     []projections.Projection
	store     projections.Store // the in-memory views, read by the verifier's dump
	bus       *bus.GoChannel
	cancel    context.CancelFunc
	forwarded chan error
}

// startReadSide builds every view (returning once they are caught up with
// the log) and starts feeding them.
func startReadSide(ctx context.Context, store eventstore.Store, codec eventstore.Codec, reg prometheus.Registerer, logger *slog.Logger) (*readSide, error) {
	ctx, cancel := context.WithCancel(ctx)
	rs := &readSide{views: views.All(), store: memstore.New(), bus: bus.NewGoChannel(logger), cancel: cancel, forwarded: make(chan error, 1)}
	rt, err := runtime.New(runtime.Config{
		Events: store, Codec: codec, Views: rs.store, Bus: rs.bus,
		Projections: rs.views, Registerer: reg, Logger: logger,
	})
	if err != nil {
		cancel()
		return nil, fmt.Errorf("projections: %w", err)
	}
	rs.runtime = rt
	fwd, err := runtime.NewForwarder(store, rs.bus, rt.Low, logger)
	if err != nil {
		cancel()
		return nil, fmt.Errorf("forwarder: %w", err)
	}
	if err := rt.Start(ctx); err != nil {
		cancel()
		return nil, fmt.Errorf("build views: %w", err)
	}
	go func() { rs.forwarded <- fwd.Run(ctx) }()
	return rs, nil
}

// Close stops the forwarder and the projectors.
func (rs *readSide) Close() error {
	rs.cancel()
	errs := []error{<-rs.forwarded, rs.runtime.Wait()}
	errs = append(errs, rs.bus.Close())
	return errors.Join(errs...)
}

// Status implements handlers.ProjectionAdmin.
func (rs *readSide) Status(ctx context.Context) ([]handlers.ProjectionStatus, error) {
	out := make([]handlers.ProjectionStatus, 0, len(rs.views))
	for _, p := range rs.views {
		lag, err := rs.runtime.Lag(ctx, p.Name)
		if err != nil {
			return nil, err
		}
		parked, err := rs.runtime.Parked(p.Name)
		if err != nil {
			return nil, err
		}
		rd, err := rs.runtime.Reader(ctx, p.Name)
		if err != nil {
			return nil, err
		}
		out = append(out, handlers.ProjectionStatus{Name: p.Name, Version: p.Version, Namespace: string(rd.Namespace()),
			LagEvents: lag.Events, LagCapped: lag.Capped, LagSeconds: lag.Seconds, Parked: len(parked), Fenced: rs.runtime.Fenced(p.Name)})
	}
	return out, nil
}

// known reports whether name is a projection or a view one serves (an
// operator may name the view; its family is rebuilt).
func (rs *readSide) known(name string) bool {
	return projections.Serving(rs.views, name) != ""
}

// Parked implements handlers.ProjectionAdmin.
func (rs *readSide) Parked(name string) ([]handlers.ParkedEvent, error) {
	if !rs.known(name) {
		return nil, handlers.ErrUnknownProjection
	}
	parked, err := rs.runtime.Parked(name)
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

// Rebuild implements handlers.ProjectionAdmin.
func (rs *readSide) Rebuild(ctx context.Context, name string) error {
	if !rs.known(name) {
		return handlers.ErrUnknownProjection
	}
	return rs.runtime.Rebuild(ctx, name)
}
