package runtime

import (
	"context"
	"errors"
	"slices"
	"sync"
	"sync/atomic"

	"golang.org/x/sync/errgroup"

	"github.com/iup-platform/iup/eventstore"
	"github.com/iup-platform/iup/projections"
)

// workspace is what one writer of one namespace keeps between batches: an
// overlay whose documents stay decoded from batch to batch, over the
// documents it committed (a rebuild's cache) or the store. It is valid only
// while this writer is the namespace's only writer, which each commit's
// checkpoint check confirms; after any failed batch it starts afresh.
type workspace struct {
	ns      projections.Namespace
	views   projections.Store
	cache   *docCache // nil: read the store
	overlay *projections.Overlay
	ctx     context.Context // the batch being applied: its reads end with it
	hold    bool            // the overlay holds renders (a rebuild's pass)
	behind  *writeBehind    // a rebuild's pass: commits are written behind
	retry   Retry           // for reads of the store
}

func newWorkspace(views projections.Store, ns projections.Namespace, cache *docCache, retry Retry) *workspace {
	w := &workspace{ns: ns, views: views, cache: cache, ctx: context.Background(), retry: retry}
	w.reset()
	return w
}

// reset forgets every staged and cached document: after a batch that did
// not commit, or a commit refused because someone else moved the view.
func (w *workspace) reset() {
	w.overlay = projections.NewOverlay(w.read)
	w.overlay.HoldRenders = w.hold
	if w.cache != nil { // a rebuild: its renders read many facts back
		w.overlay.SetFetch(w.cache.get, w.readMany)
		w.overlay.Dropped = w.cache.keep
	}
}

// serve makes a rebuild's workspace the live one: the cache of its writes
// would only duplicate the store now, and a live batch renders a few
// documents, read as they come.
func (w *workspace) serve() {
	w.cache = nil
	w.overlay.SetFetch(nil, nil)
	w.overlay.Dropped = nil
}

// release lets go of the documents the workspace holds in memory, decoded
// and encoded, once its build's pass and held renders are done: what it
// has left to do (the catch-up and the switch) is a few batches, read
// from the store. Until the switch a municipality's builds held a cache
// and an overlay each, while the builds still rendering had the collector
// run for most of their time at the memory limit.
func (w *workspace) release() {
	w.cache.forget()
	w.reset()
}

// holdRenders sets whether the overlay holds deferred renders across
// batches (see projections.Overlay.HoldRenders).
func (w *workspace) holdRenders(on bool) {
	w.hold = on
	w.overlay.HoldRenders = on
}

// writingRenders says whether the held renders are being written: what
// they write is served, not read again before the switch, so neither the
// overlay nor the cache keeps it.
func (w *workspace) writingRenders(on bool) {
	w.overlay.DropWritten = on
	if w.cache != nil {
		w.cache.keysOnly = on
	}
}

func (w *workspace) read(key string) ([]byte, error) {
	if v, ok := w.cache.get(key); ok {
		return v, nil
	}
	vals, err := w.readMany([]string{key})
	if err != nil {
		return nil, err
	}
	return vals[0], nil
}

func (w *workspace) readMany(keys []string) ([][]byte, error) {
	if err := w.flush(); err != nil { // the store must hold what the cache let go
		return nil, err
	}
	return w.readStore(keys)
}

// flush waits for the writes in flight, if writes go behind.
func (w *workspace) flush() error {
	if w.behind == nil {
		return nil
	}
	return w.behind.flush()
}

// readStore reads keys from the store, without waiting for the writer.
func (w *workspace) readStore(keys []string) ([][]byte, error) {
	// A read that fails is tried again, as a write is: a Redis blip
	// during a rebuild's renders failed the whole rebuild.
	vals, err := retrying(w.ctx, w.retry, func() ([][]byte, error) { return w.views.Get(w.ctx, w.ns, keys...) })
	if err != nil && w.ctx.Err() == nil {
		return nil, &storeError{err}
	}
	return vals, err
}

// storeError is a read of the views' store that kept failing: the store's
// trouble, not the event's, so the batch fails and is tried again later
// instead of the event being parked (missing from the view for good).
type storeError struct{ err error }

func (e *storeError) Error() string { return "read views: " + e.err.Error() }
func (e *storeError) Unwrap() error { return e.err }

func isStoreError(err error) bool {
	var se *storeError
	return errors.As(err, &se)
}

// renderForked runs rs on workers forks of the overlay, each taking
// lots of at most batch/workers renders from a shared queue, rendering
// and encoding them and handing them to write (one fork at a time),
// committed at cp: the lots in flight hold about what one batch did. One
// goroutine rendered them alone, and the largest view's renders ended
// every rebuild with one core busy and the others idle. The overlay then
// forgets what the forks wrote, and the cache learns of it. The first
// error stops the forks (the workspace must then be reset).
func (w *workspace) renderForked(ctx context.Context, rs projections.Renders, workers, batch int, cp eventstore.Position, write func(context.Context, pendingWrite) error) error {
	if len(rs) == 0 {
		return nil
	}
	// Lots small enough that the forks end together.
	lot := max(1, min(batch/workers, len(rs)/(4*workers)))
	var (
		next atomic.Int64
		// mu lets one fork at a time write, or wait for the writer.
		mu    sync.Mutex
		forks = make([]*projections.Overlay, workers)
	)
	// What the build wrote before lands first: then a fork's read of the
	// store waits for the writer only when it reads a key the fork wrote
	// itself. Every read waited for every fork's writes in flight, and at
	// a municipality's size, where the cache lets most facts go, the forks
	// took turns.
	if err := w.flush(); err != nil {
		return err
	}
	many := func(i int) func(keys []string) ([][]byte, error) {
		return func(keys []string) ([][]byte, error) {
			if slices.ContainsFunc(keys, forks[i].Wrote) {
				mu.Lock()
				err := w.flush()
				mu.Unlock()
				if err != nil {
					return nil, err
				}
			}
			return w.readStore(keys)
		}
	}
	g, gctx := errgroup.WithContext(ctx)
	// The forks' reads of the store end with them: the first to fail
	// stops the others'.
	outer := w.ctx
	w.ctx = gctx
	defer func() { w.ctx = outer }()
	for i := range workers {
		// What this fork wrote and let go is in the store only: the cache
		// learns of it once the forks are done (Join).
		local := func(key string) ([]byte, bool) {
			if forks[i].Wrote(key) {
				return nil, false
			}
			return w.cache.get(key)
		}
		base := func(key string) ([]byte, error) {
			if v, ok := local(key); ok {
				return v, nil
			}
			vals, err := many(i)([]string{key})
			if err != nil {
				return nil, err
			}
			return vals[0], nil
		}
		f := w.overlay.Fork(base, local, many(i))
		f.MaxClean = max(1, w.overlay.MaxClean/workers)
		forks[i] = f
		g.Go(func() error {
			for {
				if err := gctx.Err(); err != nil {
					return err
				}
				lo := int(next.Add(int64(lot))) - lot
				if lo >= len(rs) {
					return nil
				}
				if err := f.Run(rs[lo:min(lo+lot, len(rs))]); err != nil {
					return err
				}
				staged, err := f.StagedUnencoded()
				if err != nil {
					return err
				}
				pw := pendingWrite{from: cp, to: cp, unencoded: staged}
				if err := pw.encode(); err != nil {
					return err
				}
				f.Written() // the bytes are all the lot holds now
				mu.Lock()
				err = write(gctx, pw)
				mu.Unlock()
				if err != nil {
					return err
				}
			}
		})
	}
	if err := g.Wait(); err != nil {
		return err
	}
	for _, f := range forks {
		w.overlay.Join(f) // a render may delete a fact: the school lists' pending changes
	}
	w.cache.committed()
	return nil
}

// writeBehind makes commits hand their batches to a writer goroutine,
// which writes them with write until stopWriting.
func (w *workspace) writeBehind(ctx context.Context, write func(context.Context, pendingWrite) error) {
	w.behind = newWriteBehind(ctx, write)
}

// stopWriting waits for the writes in flight, goes back to writing each
// commit before it returns, and returns the first failed write's error.
func (w *workspace) stopWriting() error {
	if w.behind == nil {
		return nil
	}
	err := w.behind.stop()
	w.behind = nil
	return err
}

// entry is one event of the log with its decoding, done once and shared by
// every projection of a pass (read only: views must not change events).
type entry struct {
	rec     eventstore.RecordedEvent
	env     projections.Event
	err     error // decoding failed; each projection retries it itself
	decoded bool
}

// entries wraps records that are decoded lazily, by the projections that
// read them.
func entries(recs []eventstore.RecordedEvent) []entry {
	out := make([]entry, len(recs))
	for i, r := range recs {
		out[i].rec = r
	}
	return out
}
