package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"time"

	"github.com/iup-platform/iup/domain/retention"
	"github.com/iup-platform/iup/eventstore"
	"github.com/iup-platform/iup/eventstore/shred"
)

// The views drop culled content by rebuilding. Content whose key is
// destroyed decodes as culled, so a view rebuilt after a culling is by
// construction what a clean rebuild gives; blanking each view's documents
// in place would have to reproduce every view's culled rendering per
// document type, and the views are being reworked. When a culling event
// arrives (from the daily job here or from `iupd cull` in another process)
// the watcher forgets the cached keys and rebuilds every view into a fresh
// namespace that replaces the old one (dropped, so the old documents leave
// the read-model store). Several cullings in a row cause one rebuild.
type cullWatcher struct {
	store   eventstore.Store
	keys    *shred.Keyring
	rebuild func(context.Context) error
	logger  *slog.Logger
	kick    chan struct{}
}

func newCullWatcher(store eventstore.Store, keys *shred.Keyring, rebuild func(context.Context) error, logger *slog.Logger) *cullWatcher {
	return &cullWatcher{store: store, keys: keys, rebuild: rebuild, logger: logger, kick: make(chan struct{}, 1)}
}

// run watches the log after head until ctx ends.
func (w *cullWatcher) run(ctx context.Context, head eventstore.Position) error {
	rebuilt := make(chan struct{})
	go func() { defer close(rebuilt); w.rebuilder(ctx) }()
	defer func() { <-rebuilt }()
	for rec, err := range w.store.Subscribe(ctx, head) {
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("culling watcher: %w", err)
		}
		if rec.Type != "retention.student-culled" {
			continue
		}
		var e retention.StudentCulled // no personal fields: read straight from the stored JSON
		if err := json.Unmarshal(rec.Data, &e); err != nil {
			w.logger.Error("culling watcher: unreadable culling event", "event", rec.ID.String(), "err", err)
			continue
		}
		w.keys.Forget(rec.Metadata.Tenant, retention.KeySubjects(e.StudentID, e.DocTypes)...)
		select {
		case w.kick <- struct{}{}:
		default: // a rebuild is already pending
		}
	}
	return nil
}

func (w *cullWatcher) rebuilder(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-w.kick:
		}
		start := time.Now()
		if err := w.rebuild(ctx); err != nil {
			if ctx.Err() == nil {
				w.logger.Error("culling: rebuilding the views failed", "err", err)
			}
			continue
		}
		w.logger.Info("culling: views rebuilt without the culled content", "took", time.Since(start).String())
	}
}

// rebuildAll rebuilds every view of the read side, one after another.
func (rs *readSide) rebuildAll(ctx context.Context) error {
	for _, p := range rs.views {
		if err := rs.runtime.Rebuild(ctx, p.Name); err != nil {
			return fmt.Errorf("rebuild %s: %w", p.Name, err)
		}
	}
	return nil
}

// startCulling starts the daily culling job and the watcher that makes the
// views drop culled content. The stop function waits for both.
func startCulling(ctx context.Context, store eventstore.Store, codec *shred.Codec, rs *readSide, clock func() time.Time, logger *slog.Logger) (func(), error) {
	c, err := newCuller(store, codec, logger)
	if err != nil {
		return nil, err
	}
	if clock == nil {
		clock = time.Now
	}
	w := newCullWatcher(store, codec.Keyring(), rs.rebuildAll, logger)
	// From the head as it is now, so the first daily run's cullings are seen.
	head, err := store.HeadPosition(ctx)
	if err != nil {
		return nil, fmt.Errorf("culling watcher: %w", err)
	}
	ctx, cancel := context.WithCancel(ctx)
	watched := make(chan struct{})
	go func() {
		defer close(watched)
		if err := w.run(ctx, head); err != nil {
			logger.Error("culling watcher stopped", "err", err)
		}
	}()
	daily := make(chan struct{})
	go func() {
		defer close(daily)
		c.runDaily(ctx, clock, 24*time.Hour)
	}()
	return func() { cancel(); <-watched; <-daily }, nil
}
