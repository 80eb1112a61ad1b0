package runtime

import (
	"context"
	"fmt"

	"github.com/iup-platform/iup/projections"
)

// Reader reads one view through the namespace active when it was made.
type Reader struct {
	store projections.Store
	ns    projections.Namespace
}

// Reader resolves the active namespace of projection name, or of the
// projection serving view name: the one this runtime applies to, or the
// store's active pointer.
func (r *Runtime) Reader(ctx context.Context, name string) (Reader, error) {
	p, err := r.projector(name)
	if err != nil {
		return ActiveReader(ctx, r.cfg.Views, name) // a view this process does not run
	}
	if ns := p.namespace(); ns != "" {
		return Reader{store: r.cfg.Views, ns: ns}, nil
	}
	return ActiveReader(ctx, r.cfg.Views, p.p.Name)
}

// ActiveReader reads view name through the store's active pointer.
func ActiveReader(ctx context.Context, store projections.Store, name string) (Reader, error) {
	ns, err := store.Active(ctx, name)
	if err != nil {
		return Reader{}, err
	}
	if ns == "" {
		return Reader{}, fmt.Errorf("view %s has not been built", name)
	}
	return Reader{store: store, ns: ns}, nil
}

// Namespace is the namespace the reader reads.
func (r Reader) Namespace() projections.Namespace { return r.ns }

// Get returns the documents at keys (nil where missing).
func (r Reader) Get(ctx context.Context, keys ...string) ([][]byte, error) {
	return r.store.Get(ctx, r.ns, keys...)
}

// Scan calls fn for every document whose key has prefix, in key order.
func (r Reader) Scan(ctx context.Context, prefix string, fn func(key string, value []byte) error) error {
	return r.store.Scan(ctx, r.ns, prefix, fn)
}
