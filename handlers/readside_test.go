package handlers

import (
	"context"
	"log/slog"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/iup-platform/iup/domain/catalog"
	"github.com/iup-platform/iup/eventstore"
	"github.com/iup-platform/iup/eventstore/shred"
	"github.com/iup-platform/iup/eventstore/shred/shredtest"
	"github.com/iup-platform/iup/eventstore/sqlite"
	"github.com/iup-platform/iup/projections/bus"
	"github.com/iup-platform/iup/projections/memstore"
	"github.com/iup-platform/iup/projections/runtime"
	"github.com/iup-platform/iup/projections/views"
)

// readSide is the embedded read side as iupd serve runs it: sealing codec,
// every view in memory, fed by the forwarder over the in-process bus.
type readSide struct {
	codec  *shred.Codec
	keys   *shred.SQLiteKeyStore
	rt     *runtime.Runtime
	bus    *bus.GoChannel
	cancel context.CancelFunc
	fwd    chan error
}

func startReadSide(t testing.TB, dir string, store *sqlite.Store) *readSide {
	t.Helper()
	keyring, ks := shredtest.Open(t, dir)
	rs := &readSide{codec: shred.NewCodec(catalog.Events, keyring), keys: ks, fwd: make(chan error, 1)}
	logger := slog.New(slog.DiscardHandler)
	rs.bus = bus.NewGoChannel(logger)
	var err error
	rs.rt, err = runtime.New(runtime.Config{Events: store, Codec: rs.codec, Views: memstore.New(), Bus: rs.bus,
		Projections: views.All(), Registerer: prometheus.NewRegistry(), Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	fwd, err := runtime.NewForwarder(store, rs.bus, rs.rt.Low, logger)
	if err != nil {
		t.Fatal(err)
	}
	var ctx context.Context
	ctx, rs.cancel = context.WithCancel(context.Background())
	if err := rs.rt.Start(ctx); err != nil {
		t.Fatal(err)
	}
	go func() { rs.fwd <- fwd.Run(ctx) }()
	return rs
}

func (rs *readSide) close(t testing.TB) {
	rs.cancel()
	<-rs.fwd
	if err := rs.rt.Wait(); err != nil && err != context.Canceled {
		t.Logf("projections stopped: %v", err)
	}
	_ = rs.bus.Close()
	_ = rs.keys.Close()
}

func (rs *readSide) Get(ctx context.Context, view string, keys ...string) ([][]byte, error) {
	rd, err := rs.rt.Reader(ctx, view)
	if err != nil {
		return nil, err
	}
	return rd.Get(ctx, keys...)
}

func (rs *readSide) Scan(ctx context.Context, view, prefix string, fn func(key string, value []byte) error) error {
	rd, err := rs.rt.Reader(ctx, view)
	if err != nil {
		return err
	}
	return rd.Scan(ctx, prefix, fn)
}

func (rs *readSide) WaitFor(ctx context.Context, view string, pos eventstore.Position) error {
	return rs.rt.WaitFor(ctx, view, pos)
}
