package runtime

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/iup-platform/iup/eventstore"
	"github.com/iup-platform/iup/projections"
	"github.com/iup-platform/iup/projections/memstore"
)

// countingStore counts the keys read from the store.
type countingStore struct {
	projections.Store
	reads int
}

func (s *countingStore) Get(ctx context.Context, ns projections.Namespace, keys ...string) ([][]byte, error) {
	s.reads += len(keys)
	return s.Store.Get(ctx, ns, keys...)
}

// A build that is done with its pass holds none of its documents: the
// catch-up after it reads them from the store, and they are what the store
// holds.
func TestAReleasedWorkspaceReadsTheStore(t *testing.T) {
	store := &countingStore{Store: memstore.New()}
	ns := projections.Namespace("v1:test")
	ws := newWorkspace(store, ns, newDocCache(1000, 1<<20), Retry{})
	if err := projections.PutJSON(ws.overlay, "doc/1", map[string]int{"n": 1}); err != nil {
		t.Fatal(err)
	}
	commitStaged(t, ws, store, eventstore.Position{Commit: 1, Prepare: 1})

	if _, err := ws.overlay.Get("doc/1"); err != nil || store.reads != 0 {
		t.Fatalf("before the release: %d reads of the store, err %v; want the overlay to answer", store.reads, err)
	}
	ws.release()
	if _, ok := ws.cache.get("doc/1"); ok {
		t.Fatal("the released cache still answers for doc/1")
	}
	var got map[string]int
	found, err := projections.GetJSON(ws.overlay, "doc/1", &got)
	if err != nil || !found || got["n"] != 1 {
		t.Fatalf("after the release: found %v, %v, err %v; want the stored document", found, got, err)
	}
	if store.reads != 1 {
		t.Fatalf("after the release: %d reads of the store, want 1", store.reads)
	}
}

// Held renders run on forks of the overlay write what each render would
// alone; then the overlay forgets what they changed of its facts (a
// render may delete one, as the school lists' pending changes), and the
// cache knows the keys they wrote.
func TestHeldRendersRunOnForks(t *testing.T) {
	ctx := context.Background()
	store := &countingStore{Store: memstore.New()}
	ns := projections.Namespace("v1:test")
	ws := rebuildWorkspace(store, ns)
	const n = 20
	for i := range n {
		if err := projections.PutJSON(ws.overlay, fmt.Sprintf("facts/%d", i), map[string]int{"n": i}); err != nil {
			t.Fatal(err)
		}
		ws.overlay.Put(fmt.Sprintf("facts/pending/%d", i), []byte(`true`))
		err := projections.Defer(ws.overlay, fmt.Sprintf("card/%d", i), func(tx projections.Tx) error {
			var f map[string]int
			if _, err := projections.GetJSON(tx, fmt.Sprintf("facts/%d", i), &f); err != nil {
				return err
			}
			tx.Delete(fmt.Sprintf("facts/pending/%d", i))
			return projections.PutJSON(tx, fmt.Sprintf("card/%d", i), map[string]int{"card": f["n"]})
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	cp := eventstore.Position{Commit: 1, Prepare: 1}
	commitStaged(t, ws, store, cp)

	ws.writingRenders(true)
	rs := ws.overlay.TakeRenders()
	lots := 0
	write := func(ctx context.Context, pw pendingWrite) error {
		lots++ // under the forks' lock
		return writeTo(store, ns)(ctx, pw)
	}
	if err := ws.renderForked(ctx, rs, 2, 3, cp, write); err != nil {
		t.Fatal(err)
	}
	ws.writingRenders(false)
	if lots < n/3 {
		t.Errorf("%d lots written, want %d or more", lots, n/3)
	}
	if store.reads != 0 {
		t.Errorf("the forks read the store %d times: the facts were the overlay's", store.reads)
	}
	for i := range n {
		var card map[string]int
		found, err := projections.GetJSON(ws.overlay, fmt.Sprintf("card/%d", i), &card)
		if err != nil || !found || card["card"] != i {
			t.Errorf("card/%d after the forks: %v, found %v, err %v", i, card, found, err)
		}
		if v, err := ws.overlay.Get(fmt.Sprintf("facts/pending/%d", i)); err != nil || v != nil {
			t.Errorf("facts/pending/%d, deleted by a render: the overlay still reads %q (%v)", i, v, err)
		}
	}
	if store.reads != n {
		t.Errorf("%d reads of the store, want one per card (the cache knows only their keys) and none for the deleted", store.reads)
	}
}

// A fork that reads back what it wrote in an earlier lot reads it from
// the store, once the writer has written it: the cache learns of the
// forks' writes only once they are done, and till then it would answer
// that the key was never written, and the overlay it forked from holds
// what was there before. The writer here is slow, so a read that does
// not wait for it finds the old value.
func TestAForkReadsBackWhatItWrote(t *testing.T) {
	ctx := context.Background()
	store := &slowWrites{Store: memstore.New()}
	ns := projections.Namespace("v1:test")
	ws := rebuildWorkspace(store, ns)
	ws.overlay.Put("a", []byte(`0`))
	commitStaged(t, ws, store.Store, eventstore.Start)
	ws.writingRenders(true)
	var seen []byte
	if err := projections.Defer(ws.overlay, "a", func(tx projections.Tx) error { tx.Put("a", []byte(`1`)); return nil }); err != nil {
		t.Fatal(err)
	}
	err := projections.Defer(ws.overlay, "b", func(tx projections.Tx) error {
		v, err := tx.Get("a")
		seen = v
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	ws.writeBehind(ctx, writeTo(store, ns))
	if err := ws.renderForked(ctx, ws.overlay.TakeRenders(), 1, 1, eventstore.Start, ws.behind.enqueue); err != nil {
		t.Fatal(err)
	}
	if err := ws.stopWriting(); err != nil {
		t.Fatal(err)
	}
	if string(seen) != "1" {
		t.Fatalf("the second lot read %q, want what the first wrote", seen)
	}
}

// slowWrites takes its time over every write.
type slowWrites struct{ *memstore.Store }

func (s *slowWrites) Apply(ctx context.Context, ns projections.Namespace, from, to eventstore.Position, changes []projections.Change, fence projections.Fence) error {
	time.Sleep(20 * time.Millisecond)
	return s.Store.Apply(ctx, ns, from, to, changes, fence)
}

// Forks stop at the first failure, a cancelled context among them, and
// say so: no lot is taken after it, and none is reported done.
func TestForksStopAtTheFirstFailure(t *testing.T) {
	for _, cancel := range []bool{false, true} {
		store := memstore.New()
		ns := projections.Namespace("v1:test")
		ws := rebuildWorkspace(store, ns)
		ws.writingRenders(true)
		var mu sync.Mutex
		ran := 0
		for i := range 40 {
			err := projections.Defer(ws.overlay, fmt.Sprintf("card/%d", i), func(tx projections.Tx) error {
				mu.Lock()
				ran++
				mu.Unlock()
				if !cancel && i == 3 {
					return errors.New("render failed")
				}
				tx.Put(fmt.Sprintf("card/%d", i), []byte(`1`))
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
		}
		ctx, stop := context.WithCancel(context.Background())
		if cancel {
			stop()
		}
		workers := 1 // one fork: the renders after the failed one are known
		if cancel {
			workers = 2
		}
		err := ws.renderForked(ctx, ws.overlay.TakeRenders(), workers, 2, eventstore.Start, writeTo(store, ns))
		stop()
		if err == nil {
			t.Fatalf("cancelled %v: the forks reported success", cancel)
		}
		if cancel && (ran != 0 || !errors.Is(err, context.Canceled)) {
			t.Errorf("cancelled before they started: %d renders ran, err %v", ran, err)
		}
		if !cancel && ran != 4 {
			t.Errorf("the fourth render failed, and %d ran, want 4", ran)
		}
	}
}

// commitStaged writes what ws's overlay staged to store as one batch
// moving the checkpoint to to, as a commit does.
func commitStaged(t *testing.T, ws *workspace, store projections.Store, to eventstore.Position) {
	t.Helper()
	changes, err := ws.overlay.Changes()
	if err != nil {
		t.Fatal(err)
	}
	if err := store.Apply(context.Background(), ws.ns, eventstore.Start, to, changes, projections.Fence{}); err != nil {
		t.Fatal(err)
	}
	ws.overlay.Written()
	ws.cache.committed()
}

// writeTo is a renderForked write to store.
func writeTo(store projections.Store, ns projections.Namespace) func(context.Context, pendingWrite) error {
	return func(ctx context.Context, pw pendingWrite) error {
		return store.Apply(ctx, ns, pw.from, pw.to, pw.changes, projections.Fence{})
	}
}

// rebuildWorkspace is a rebuild's workspace of ns: a cache, renders held.
func rebuildWorkspace(store projections.Store, ns projections.Namespace) *workspace {
	ws := newWorkspace(store, ns, newDocCache(1000, 1<<20), Retry{})
	ws.holdRenders(true)
	return ws
}
