package runtime

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strconv"

	"github.com/iup-platform/iup/eventstore"
)

// Rebuild builds projection name into a fresh namespace from the start of
// the log, reading the event store directly, while the active namespace
// keeps serving; once caught up with the head it switches the active
// pointer, between two live batches, and drops the old namespace.
func (r *Runtime) Rebuild(ctx context.Context, name string) error {
	p, err := r.projector(name)
	if err != nil {
		return err
	}
	p.rebuild.Lock()
	defer p.rebuild.Unlock()
	ns := p.p.Namespace(generation(r.cfg.Clock().UnixNano()))
	r.log.Info("rebuild started", "projection", name, "namespace", string(ns))

	// Most of the log, without holding up the live projector.
	// The fresh namespace has one writer, this rebuild, so a cache of what
	// it wrote answers every read without a round trip to the store.
	cache := newDocCache(r.cfg.RebuildCacheKeys)
	cp, at, err := p.drain(ctx, ns, eventstore.Start, cache)
	if err != nil {
		return fmt.Errorf("rebuild %s: %w", name, err)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	// The tail appended meanwhile; live batches wait on mu.
	cp, tailAt, err := p.drain(ctx, ns, cp, cache)
	if err != nil {
		return fmt.Errorf("rebuild %s: %w", name, err)
	}
	old := p.namespace()
	if err := r.cfg.Views.SetActive(ctx, name, ns); err != nil {
		return fmt.Errorf("rebuild %s: switch: %w", name, err)
	}
	if !tailAt.IsZero() {
		at = tailAt
	}
	p.switchTo(ns, cp, at)
	if old != "" && old != ns {
		if err := r.cfg.Views.Drop(ctx, old); err != nil {
			r.log.Warn("rebuild: dropping the old namespace failed", "projection", name, "namespace", string(old), "err", err)
		}
	}
	r.log.Info("rebuild done", "projection", name, "namespace", string(ns), "checkpoint", cp.String())
	return nil
}

// generation names a build: time-ordered, with a random tail so two
// processes never pick the same.
func generation(nanos int64) string {
	b := make([]byte, 3)
	_, _ = rand.Read(b)
	return strconv.FormatInt(nanos, 36) + hex.EncodeToString(b)
}
