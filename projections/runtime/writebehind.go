package runtime

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/iup-platform/iup/eventstore"
	"github.com/iup-platform/iup/projections"
)

// writeBehind writes a rebuild's batches to its fresh namespace on a
// goroutine of its own, in order, while the build folds the next batch,
// instead of waiting for each write (at a municipality's size the gain
// measured was small: BENCHMARKS.md, Municipality). Only the build reads
// the fresh namespace before its switch, and it waits for the writes in
// flight before it reads the store (see workspace.readMany), so it reads
// what it wrote. The first write that fails stops the writes after it, and
// the build's next commit returns its error: the rebuild fails and the old
// view keeps serving.
type writeBehind struct {
	todo    chan pendingWrite
	stopped chan struct{}
	pending sync.WaitGroup // writes handed over and not done
	write   func(ctx context.Context, w pendingWrite) error
	ctx     context.Context

	mu  sync.Mutex
	err error

	// waited is how long the build waited for the writer (the build's
	// goroutine only); busy is how long the writer wrote (read after stop).
	waited, busy time.Duration
}

// pendingWrite is one batch's changes, moving the checkpoint from from to
// to; a lot of the batch-wide held renders comes unencoded, and the writer
// encodes it (the forks' lots come encoded: each fork encodes its own).
type pendingWrite struct {
	from, to  eventstore.Position
	changes   []projections.Change
	unencoded []projections.Unencoded
}

// encode makes the changes of the unencoded writes.
func (pw *pendingWrite) encode() error {
	if len(pw.unencoded) == 0 {
		return nil
	}
	pw.changes = make([]projections.Change, 0, len(pw.unencoded))
	for _, u := range pw.unencoded {
		c, err := u.Encode()
		if err != nil {
			return fmt.Errorf("encode the batch up to %s: %w", pw.to, err)
		}
		pw.changes = append(pw.changes, c)
	}
	pw.unencoded = nil
	return nil
}

// newWriteBehind starts the writer. A batch is handed over only when the
// one before it is written: a lot of a municipality's held renders is up
// to a gigabyte, and near the memory limit a second one queued made the
// collector work harder.
func newWriteBehind(ctx context.Context, write func(context.Context, pendingWrite) error) *writeBehind {
	w := &writeBehind{todo: make(chan pendingWrite), stopped: make(chan struct{}), write: write, ctx: ctx}
	go w.run()
	return w
}

func (w *writeBehind) run() {
	defer close(w.stopped)
	for pw := range w.todo {
		if w.failed() == nil {
			t := time.Now()
			if err := w.write(w.ctx, pw); err != nil {
				w.mu.Lock()
				w.err = err
				w.mu.Unlock()
			}
			w.busy += time.Since(t)
		}
		w.pending.Done()
	}
}

func (w *writeBehind) failed() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.err
}

// enqueue hands a batch to the writer, waiting while it writes the one
// before; it returns the error of a write that failed before. Only the
// build's goroutine calls enqueue, flush and stop, or, while it waits for
// them, the forks rendering its held renders, one at a time.
func (w *writeBehind) enqueue(ctx context.Context, pw pendingWrite) error {
	if err := w.failed(); err != nil {
		return err
	}
	w.pending.Add(1)
	t := time.Now()
	defer func() { w.waited += time.Since(t) }()
	select {
	case w.todo <- pw:
		return nil
	case <-ctx.Done():
		w.pending.Done()
		return ctx.Err()
	}
}

// flush waits until every batch handed over is written, and returns the
// first write's error.
func (w *writeBehind) flush() error {
	t := time.Now()
	w.pending.Wait()
	w.waited += time.Since(t)
	return w.failed()
}

// stop writes what is queued, ends the writer and returns the first
// write's error.
func (w *writeBehind) stop() error {
	t := time.Now()
	close(w.todo)
	<-w.stopped
	w.waited += time.Since(t)
	return w.failed()
}
