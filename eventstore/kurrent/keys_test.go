package kurrent

import (
	"bytes"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"google.golang.org/grpc/codes"

	"github.com/iup-platform/iup/eventstore"
	"github.com/iup-platform/iup/eventstore/kurrent/kurrenttest"
	"github.com/iup-platform/iup/eventstore/shred"
)

func TestKeyStoreCreatesOnceAndDestroysForGood(t *testing.T) {
	srv := kurrenttest.New(t)
	s := open(t, srv.URL())
	ks := NewKeyStore(s)
	at := time.Date(2031, 8, 1, 0, 0, 0, 0, time.UTC)

	if _, err := ks.Load(ctxT(t), "huvudman-1", "elev-1"); !errors.Is(err, shred.ErrNoKey) {
		t.Fatalf("load before create: %v, want ErrNoKey", err)
	}
	first, err := ks.Create(ctxT(t), "huvudman-1", "elev-1", []byte("wrapped-1"))
	if err != nil || !bytes.Equal(first, []byte("wrapped-1")) {
		t.Fatalf("create: %q, %v", first, err)
	}
	if got, err := ks.Create(ctxT(t), "huvudman-1", "elev-1", []byte("wrapped-2")); err != nil || !bytes.Equal(got, first) {
		t.Fatalf("second create: %q, %v; want the first writer's key", got, err)
	}
	// A tenant and subject that run together differently are another key.
	if got, err := ks.Create(ctxT(t), "huvudman-1/elev", "1", []byte("other")); err != nil || !bytes.Equal(got, []byte("other")) {
		t.Fatalf("create for another pair: %q, %v", got, err)
	}

	srv.FailAppends(1, codes.Unavailable, true) // the destruction record's answer is lost
	if err := ks.Destroy(ctxT(t), "huvudman-1", "elev-1", "gallring", at); err != nil {
		t.Fatalf("destroy: %v", err)
	}
	if err := ks.Destroy(ctxT(t), "huvudman-1", "elev-1", "gallring", at); err != nil {
		t.Fatalf("destroy again: %v", err)
	}
	if _, err := ks.Load(ctxT(t), "huvudman-1", "elev-1"); !errors.Is(err, shred.ErrDestroyed) {
		t.Fatalf("load after destroy: %v, want ErrDestroyed", err)
	}
	if _, err := ks.Create(ctxT(t), "huvudman-1", "elev-1", []byte("wrapped-3")); !errors.Is(err, shred.ErrDestroyed) {
		t.Fatalf("create after destroy: %v, want ErrDestroyed", err)
	}
	// A subject whose key was never created cannot get one after culling.
	if err := ks.Destroy(ctxT(t), "huvudman-1", "elev-2", "gallring", at); err != nil {
		t.Fatalf("destroy of a subject without a key: %v", err)
	}
	if _, err := ks.Create(ctxT(t), "huvudman-1", "elev-2", []byte("late")); !errors.Is(err, shred.ErrDestroyed) {
		t.Fatalf("create after destroying a subject with no key: %v, want ErrDestroyed", err)
	}
	if got, err := ks.Load(ctxT(t), "huvudman-1/elev", "1"); err != nil || !bytes.Equal(got, []byte("other")) {
		t.Fatalf("the other pair's key: %q, %v", got, err)
	}
	// Keys live in system streams: the event log never shows them.
	mustAppend(t, s, "plan-1", eventstore.NoStream(), ev(`{"a":1}`))
	if all := readAll(t, s); len(all) != 1 || all[0].Stream != "plan-1" {
		t.Fatalf("read all shows %d events, want only the plan's", len(all))
	}
}

func TestKeyringOnKurrentDB(t *testing.T) {
	srv := kurrenttest.New(t)
	ks := NewKeyStore(open(t, srv.URL()))
	master, err := shred.OpenFileMasterKey(filepath.Join(t.TempDir(), "master.key"))
	if err != nil {
		t.Fatal(err)
	}
	ring := shred.NewKeyring(master, ks)
	if err := ring.Destroy(ctxT(t), "huvudman-1", "elev-9", "radering", time.Now()); err != nil {
		t.Fatalf("keyring destroy: %v", err)
	}
	if _, err := ks.Load(ctxT(t), "huvudman-1", "elev-9"); !errors.Is(err, shred.ErrDestroyed) {
		t.Fatalf("after the keyring destroyed it: %v, want ErrDestroyed", err)
	}
}
