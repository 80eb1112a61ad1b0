package runtime

import (
	"context"
	"testing"

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
	ctx := context.Background()
	store := &countingStore{Store: memstore.New()}
	ns := projections.Namespace("v1:test")
	ws := newWorkspace(store, ns, newDocCache(1000, 1<<20), Retry{})
	if err := projections.PutJSON(ws.overlay, "doc/1", map[string]int{"n": 1}); err != nil {
		t.Fatal(err)
	}
	changes, err := ws.overlay.Changes()
	if err != nil {
		t.Fatal(err)
	}
	to := eventstore.Position{Commit: 1, Prepare: 1}
	if err := store.Apply(ctx, ns, eventstore.Start, to, changes, projections.Fence{}); err != nil {
		t.Fatal(err)
	}
	ws.overlay.Written()
	ws.cache.committed()

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
