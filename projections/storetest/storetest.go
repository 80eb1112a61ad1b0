// Package storetest is the contract suite every read-model store runs with
// its own constructor.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/iup-platform/iup/eventstore"
	"github.com/iup-platform/iup/projections"
)

// Backend is what a store's test hands the suite.
type Backend struct {
	// New returns a fresh store (its own key space).
	New func(t *testing.T) projections.Store
	// SetLease, when the store enforces fences, sets the lease key to
	// token as a lease manager would; nil for stores without fencing.
	SetLease func(t *testing.T, store projections.Store, key, token string)
}

func pos(n uint64) eventstore.Position { return eventstore.Position{Commit: n, Prepare: n} }

// Run runs the contract suite.
func Run(t *testing.T, b Backend) {
	ctx := context.Background()
	const ns = projections.Namespace("mentor_overview.v1.g1")

	t.Run("an empty namespace has no documents and no checkpoint", func(t *testing.T) {
		s := b.New(t)
		vals, err := s.Get(ctx, ns, "a", "b")
		if err != nil || len(vals) != 2 || vals[0] != nil || vals[1] != nil {
			t.Fatalf("get = %v, %v", vals, err)
		}
		if _, ok, err := s.Checkpoint(ctx, ns); ok || err != nil {
			t.Fatalf("checkpoint present: %v", err)
		}
	})

	t.Run("a batch and its checkpoint are applied together", func(t *testing.T) {
		s := b.New(t)
		text := []byte(`{"comment":"Åsa läser ännu bättre än förut"}`)
		must(t, s.Apply(ctx, ns, eventstore.Start, pos(3), []projections.Change{{Key: "k1", Value: text}, {Key: "k2", Value: []byte("2")}}, projections.Fence{}))
		vals, err := s.Get(ctx, ns, "k1", "k2", "k3")
		if err != nil || string(vals[0]) != string(text) || string(vals[1]) != "2" || vals[2] != nil {
			t.Fatalf("get = %q, %v", vals, err)
		}
		cp, ok, err := s.Checkpoint(ctx, ns)
		if err != nil || !ok || cp != pos(3) {
			t.Fatalf("checkpoint = %v %v %v", cp, ok, err)
		}
	})

	t.Run("a redelivered batch is refused and changes nothing", func(t *testing.T) {
		s := b.New(t)
		must(t, s.Apply(ctx, ns, eventstore.Start, pos(3), []projections.Change{{Key: "n", Value: []byte("1")}}, projections.Fence{}))
		must(t, s.Apply(ctx, ns, pos(3), pos(9), []projections.Change{{Key: "n", Value: []byte("2")}}, projections.Fence{}))
		err := s.Apply(ctx, ns, pos(3), pos(9), []projections.Change{{Key: "n", Value: []byte("3")}}, projections.Fence{})
		if !errors.Is(err, projections.ErrCheckpointMoved) {
			t.Fatalf("redelivery: %v", err)
		}
		err = s.Apply(ctx, ns, eventstore.Start, pos(1), []projections.Change{{Key: "n", Value: []byte("4")}}, projections.Fence{})
		if !errors.Is(err, projections.ErrCheckpointMoved) {
			t.Fatalf("replay from the start over an applied namespace: %v", err)
		}
		vals, _ := s.Get(ctx, ns, "n")
		if string(vals[0]) != "2" {
			t.Fatalf("value = %q, want 2", vals[0])
		}
	})

	t.Run("a nil value deletes", func(t *testing.T) {
		s := b.New(t)
		must(t, s.Apply(ctx, ns, eventstore.Start, pos(1), []projections.Change{{Key: "x", Value: []byte("1")}}, projections.Fence{}))
		must(t, s.Apply(ctx, ns, pos(1), pos(2), []projections.Change{{Key: "x"}}, projections.Fence{}))
		if vals, _ := s.Get(ctx, ns, "x"); vals[0] != nil {
			t.Fatalf("deleted key = %q", vals[0])
		}
	})

	t.Run("scan lists a prefix in key order", func(t *testing.T) {
		s := b.New(t)
		var changes []projections.Change
		for _, k := range []string{"s:3", "s:1", "t:1", "s:2"} {
			changes = append(changes, projections.Change{Key: k, Value: []byte(k)})
		}
		must(t, s.Apply(ctx, ns, eventstore.Start, pos(1), changes, projections.Fence{}))
		var got []string
		must(t, s.Scan(ctx, ns, "s:", func(k string, v []byte) error {
			if k != string(v) {
				return fmt.Errorf("value of %s is %s", k, v)
			}
			got = append(got, k)
			return nil
		}))
		if fmt.Sprint(got) != "[s:1 s:2 s:3]" {
			t.Fatalf("scan = %v", got)
		}
	})

	t.Run("namespaces are apart, drop removes one, the active pointer switches", func(t *testing.T) {
		s := b.New(t)
		other := projections.Namespace("mentor_overview.v1.g2")
		must(t, s.Apply(ctx, ns, eventstore.Start, pos(1), []projections.Change{{Key: "k", Value: []byte("old")}}, projections.Fence{}))
		must(t, s.Apply(ctx, other, eventstore.Start, pos(1), []projections.Change{{Key: "k", Value: []byte("new")}}, projections.Fence{}))
		if a, err := s.Active(ctx, "mentor_overview"); a != "" || err != nil {
			t.Fatalf("active before any switch = %q %v", a, err)
		}
		must(t, s.SetActive(ctx, "mentor_overview", ns))
		must(t, s.SetActive(ctx, "mentor_overview", other))
		if a, _ := s.Active(ctx, "mentor_overview"); a != other {
			t.Fatalf("active = %q", a)
		}
		must(t, s.Drop(ctx, ns))
		if vals, _ := s.Get(ctx, ns, "k"); vals[0] != nil {
			t.Fatal("dropped namespace still has documents")
		}
		if _, ok, _ := s.Checkpoint(ctx, ns); ok {
			t.Fatal("dropped namespace still has a checkpoint")
		}
		if vals, _ := s.Get(ctx, other, "k"); string(vals[0]) != "new" {
			t.Fatal("drop touched another namespace")
		}
	})

	t.Run("of racing batches from one checkpoint exactly one applies", func(t *testing.T) {
		s := b.New(t)
		var wg sync.WaitGroup
		var mu sync.Mutex
		won := 0
		for i := range 16 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				err := s.Apply(ctx, ns, eventstore.Start, pos(5), []projections.Change{{Key: "w", Value: fmt.Appendf(nil, "%d", i)}}, projections.Fence{})
				if err == nil {
					mu.Lock()
					won++
					mu.Unlock()
				} else if !errors.Is(err, projections.ErrCheckpointMoved) {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		if won != 1 {
			t.Fatalf("%d batches applied, want 1", won)
		}
	})

	t.Run("a large batch applies whole", func(t *testing.T) {
		s := b.New(t)
		changes := make([]projections.Change, 5000)
		for i := range changes {
			changes[i] = projections.Change{Key: fmt.Sprintf("k%05d", i), Value: fmt.Appendf(nil, `{"i":%d}`, i)}
		}
		must(t, s.Apply(ctx, ns, eventstore.Start, pos(5000), changes, projections.Fence{}))
		n := 0
		must(t, s.Scan(ctx, ns, "k", func(string, []byte) error { n++; return nil }))
		if n != 5000 {
			t.Fatalf("scanned %d, want 5000", n)
		}
	})

	t.Run("writes and deletes of one batch apply in their order", func(t *testing.T) {
		s := b.New(t)
		var first []projections.Change
		for i := range 1500 {
			first = append(first, projections.Change{Key: fmt.Sprintf("k%05d", i), Value: []byte("1")})
		}
		must(t, s.Apply(ctx, ns, eventstore.Start, pos(1), first, projections.Fence{}))
		// Runs of deletes and writes, longer and shorter than any chunk,
		// and a key written and then deleted, deleted and then written.
		var second []projections.Change
		for i := range 1500 {
			switch {
			case i%700 < 600:
				second = append(second, projections.Change{Key: fmt.Sprintf("k%05d", i)})
			default:
				second = append(second, projections.Change{Key: fmt.Sprintf("k%05d", i), Value: []byte("2")})
			}
		}
		second = append(second, projections.Change{Key: "k00000", Value: []byte("3")}, projections.Change{Key: "k01499"})
		must(t, s.Apply(ctx, ns, pos(1), pos(2), second, projections.Fence{}))
		got := map[string]string{}
		must(t, s.Scan(ctx, ns, "k", func(k string, v []byte) error { got[k] = string(v); return nil }))
		for i := range 1500 {
			k, want := fmt.Sprintf("k%05d", i), ""
			if i%700 >= 600 {
				want = "2"
			}
			switch k {
			case "k00000":
				want = "3"
			case "k01499":
				want = ""
			}
			if got[k] != want {
				t.Fatalf("%s = %q, want %q", k, got[k], want)
			}
		}
	})

	t.Run("a cancelled context writes nothing", func(t *testing.T) {
		s := b.New(t)
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		if err := s.Apply(cctx, ns, eventstore.Start, pos(1), []projections.Change{{Key: "c", Value: []byte("1")}}, projections.Fence{}); err == nil {
			t.Fatal("apply with a cancelled context succeeded")
		}
		if vals, _ := s.Get(ctx, ns, "c"); vals[0] != nil {
			t.Fatal("a cancelled apply wrote")
		}
	})

	if b.SetLease == nil {
		return
	}
	t.Run("a writer whose fencing token lost the lease cannot write", func(t *testing.T) {
		s := b.New(t)
		const lease = "lease:mentor_overview"
		b.SetLease(t, s, lease, "7")
		must(t, s.Apply(ctx, ns, eventstore.Start, pos(1), []projections.Change{{Key: "f", Value: []byte("by 7")}}, projections.Fence{Key: lease, Token: "7"}))
		b.SetLease(t, s, lease, "8") // another projector took over
		err := s.Apply(ctx, ns, pos(1), pos(2), []projections.Change{{Key: "f", Value: []byte("late write by 7")}}, projections.Fence{Key: lease, Token: "7"})
		if !errors.Is(err, projections.ErrFenced) {
			t.Fatalf("fenced-off write: %v", err)
		}
		must(t, s.Apply(ctx, ns, pos(1), pos(2), []projections.Change{{Key: "f", Value: []byte("by 8")}}, projections.Fence{Key: lease, Token: "8"}))
		if vals, _ := s.Get(ctx, ns, "f"); string(vals[0]) != "by 8" {
			t.Fatalf("value = %q", vals[0])
		}
	})
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
