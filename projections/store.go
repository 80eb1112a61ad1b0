// Package projections is the read side: views built from the event log by a
// checkpointed projector, kept in a read-model store (memory or Redis).
package projections

import (
	"context"
	"errors"

	"github.com/iup-platform/iup/eventstore"
)

// Namespace names one build of one view (projection name, version and
// generation). A rebuild writes a fresh namespace while the old one serves,
// then the active pointer switches.
type Namespace string

// Change is one write to a view: Value nil deletes Key.
type Change struct {
	Key   string
	Value []byte
}

// Fence guards a projector's writes in distributed mode: Apply succeeds only
// while the lease key still holds the token, checked in the same atomic
// step as the write, so a paused holder that lost its lease cannot write.
// The zero Fence means no fencing (the embedded single process).
type Fence struct {
	Key   string
	Token string
}

// Errors of Apply.
var (
	// ErrCheckpointMoved: the stored checkpoint is not the one the batch
	// starts from (a redelivered batch already applied, or another writer).
	ErrCheckpointMoved = errors.New("projections: checkpoint moved")
	// ErrFenced: the fencing token no longer holds the lease.
	ErrFenced = errors.New("projections: fenced off: the lease is held by another projector")
)

// Store keeps views as keyed JSON documents, per namespace, with a
// checkpoint per namespace that moves atomically with the documents.
type Store interface {
	// Get returns the values of keys in order (nil where missing). The
	// values may be the store's own bytes (the memory store's are): a
	// caller reads them and never writes into them.
	Get(ctx context.Context, ns Namespace, keys ...string) ([][]byte, error)
	// Checkpoint returns the position the namespace has applied up to, and
	// false when nothing was applied yet.
	Checkpoint(ctx context.Context, ns Namespace) (eventstore.Position, bool, error)
	// Apply writes changes and moves the checkpoint from `from` to `to`, all
	// or nothing, only when the stored checkpoint is `from` (none for
	// Start) and the fence holds. The store may keep the values it is
	// given: the caller must not change them afterwards.
	Apply(ctx context.Context, ns Namespace, from, to eventstore.Position, changes []Change, fence Fence) error
	// Scan calls fn for every key with prefix, in key order.
	Scan(ctx context.Context, ns Namespace, prefix string, fn func(key string, value []byte) error) error
	// Drop deletes a namespace (an old build after a switch).
	Drop(ctx context.Context, ns Namespace) error
	// Active returns the namespace serving projection name ("" when none).
	Active(ctx context.Context, name string) (Namespace, error)
	// SetActive switches projection name to ns atomically.
	SetActive(ctx context.Context, name string, ns Namespace) error
}
