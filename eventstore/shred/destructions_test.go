package shred

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

// countingKeys counts the calls a keyring makes of its key store; onLoad,
// when set, runs after a load has read its key and before it returns.
type countingKeys struct {
	*SQLiteKeyStore
	loads, logReads int
	onLoad          func(subject string)
}

func (c *countingKeys) Load(ctx context.Context, tenant, subject string) ([]byte, error) {
	c.loads++
	b, err := c.SQLiteKeyStore.Load(ctx, tenant, subject)
	if c.onLoad != nil {
		c.onLoad(subject)
	}
	return b, err
}

func (c *countingKeys) DestroyedSince(ctx context.Context, mark int64) ([]Subject, int64, error) {
	c.logReads++
	return c.SQLiteKeyStore.DestroyedSince(ctx, mark)
}

// unlogged hides the SQLite store's log, as a key store that keeps none.
type unlogged struct{ *SQLiteKeyStore }

func (unlogged) DestroyedSince(context.Context, int64) ([]Subject, int64, error) {
	return nil, 0, ErrNoDestructionLog
}

// keyringOver returns a keyring over store with the master key in dir and
// a clock the test sets.
func keyringOver(t *testing.T, dir string, store KeyStore) (*Keyring, *time.Time) {
	t.Helper()
	mk, err := OpenFileMasterKey(filepath.Join(dir, "master.key"))
	if err != nil {
		t.Fatal(err)
	}
	k := NewKeyring(mk, store)
	now := time.Now()
	k.now = func() time.Time { return now }
	return k, &now
}

// The store records every destruction once, in order, however the key was
// destroyed (a live key, a subject never keyed, a key destroyed again).
func TestTheKeyStoreLogsEachDestructionOnceInOrder(t *testing.T) {
	s := newSetup(t)
	_, head, err := s.store.DestroyedSince(ctx, -1)
	if err != nil || head != 0 {
		t.Fatalf("an empty log's mark = %d, %v", head, err)
	}
	for _, sub := range []string{"stu-1", "stu-2"} {
		if _, err := s.keys.cipherFor(ctx, "t1", sub, true); err != nil {
			t.Fatal(err)
		}
	}
	for _, sub := range []string{"stu-2", "never-keyed", "stu-2", "stu-1"} {
		if err := s.store.Destroy(ctx, "t1", sub, "gallring", time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	got, mark, err := s.store.DestroyedSince(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	want := []Subject{{"t1", "stu-2"}, {"t1", "never-keyed"}, {"t1", "stu-1"}}
	if !slices.Equal(got, want) {
		t.Fatalf("destructions = %v, want %v", got, want)
	}
	if _, head, _ := s.store.DestroyedSince(ctx, -1); head != mark {
		t.Fatalf("the latest mark = %d, the log's last = %d", head, mark)
	}
	if more, _, _ := s.store.DestroyedSince(ctx, mark); len(more) != 0 {
		t.Fatalf("after the last mark: %v", more)
	}
}

// With a log, an expired cache costs one read of the log, not a load per
// key; and a key another process destroyed is forgotten at that read.
func TestAKeyringReadsTheLogOnceAnExpiryInsteadOfEveryKey(t *testing.T) {
	s := newSetup(t)
	store := &countingKeys{SQLiteKeyStore: s.store}
	k, now := keyringOver(t, s.dir, store)
	subjects := []string{"stu-1", "stu-2", "stu-3", "stu-4"}
	use := func() map[string]error {
		out := map[string]error{}
		for _, sub := range subjects {
			_, out[sub] = k.cipherFor(ctx, "t1", sub, true)
		}
		return out
	}
	use()
	if store.loads != 4 || store.logReads != 1 {
		t.Fatalf("first uses: %d loads, %d reads of the log; want 4 and 1", store.loads, store.logReads)
	}
	// Another process destroys one key; this keyring goes on with its
	// cache until it expires.
	if err := s.keys.Destroy(ctx, "t1", "stu-3", "gallring", *now); err != nil {
		t.Fatal(err)
	}
	if errs := use(); errs["stu-3"] != nil {
		t.Fatalf("before the expiry: %v", errs["stu-3"])
	}
	epoch := k.Epoch()
	*now = now.Add(k.ForgetWithin())
	errs := use()
	if !errors.Is(errs["stu-3"], ErrDestroyed) {
		t.Fatalf("after the expiry the destroyed key still opens: %v", errs["stu-3"])
	}
	for _, sub := range []string{"stu-1", "stu-2", "stu-4"} {
		if errs[sub] != nil {
			t.Fatalf("%s: %v", sub, errs[sub])
		}
	}
	// One read of the log, and a load only of the forgotten key.
	if store.loads != 5 || store.logReads != 2 {
		t.Fatalf("after the expiry: %d loads, %d reads of the log; want 5 and 2", store.loads, store.logReads)
	}
	if k.Epoch() == epoch {
		t.Fatal("a forgotten key must move the epoch: content decoded before may be culled now")
	}
}

// A store that keeps no log: each key is loaded again when it expires, and
// a destroyed one is refused, as before the log.
func TestAKeyringOverAStoreWithoutALogReloadsEachKey(t *testing.T) {
	s := newSetup(t)
	k, now := keyringOver(t, s.dir, unlogged{s.store})
	for _, sub := range []string{"stu-1", "stu-2"} {
		if _, err := k.cipherFor(ctx, "t1", sub, true); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.keys.Destroy(ctx, "t1", "stu-2", "gallring", *now); err != nil {
		t.Fatal(err)
	}
	*now = now.Add(k.ForgetWithin())
	if _, err := k.cipherFor(ctx, "t1", "stu-1", false); err != nil {
		t.Fatal(err)
	}
	if _, err := k.cipherFor(ctx, "t1", "stu-2", false); !errors.Is(err, ErrDestroyed) {
		t.Fatalf("after the expiry the destroyed key still opens: %v", err)
	}
}

// A key loaded just before another process destroyed it, and cached only
// after this keyring read that destruction in the log (another caller's
// read, in between): it must not stay cached, or nothing would forget it.
func TestAKeyLoadedAcrossAReadOfTheLogIsNotKept(t *testing.T) {
	s := newSetup(t)
	store := &countingKeys{SQLiteKeyStore: s.store}
	k, now := keyringOver(t, s.dir, store)
	if _, err := s.keys.cipherFor(ctx, "t1", "stu-1", true); err != nil {
		t.Fatal(err)
	}
	if _, err := k.cipherFor(ctx, "t1", "stu-2", true); err != nil { // reads the mark
		t.Fatal(err)
	}
	store.onLoad = func(subject string) {
		if subject != "stu-1" {
			return
		}
		store.onLoad = nil
		// Between this load's read and its caching: the key is destroyed,
		// the cache expires, and another use reads the log.
		if err := s.keys.Destroy(ctx, "t1", "stu-1", "gallring", *now); err != nil {
			panic(fmt.Sprint(err))
		}
		*now = now.Add(k.ForgetWithin())
		if _, err := k.cipherFor(ctx, "t1", "stu-2", false); err != nil {
			panic(fmt.Sprint(err))
		}
	}
	if _, err := k.cipherFor(ctx, "t1", "stu-1", false); err != nil {
		t.Fatalf("the load read the key before its destruction: %v", err)
	}
	if _, err := k.cipherFor(ctx, "t1", "stu-1", false); !errors.Is(err, ErrDestroyed) {
		t.Fatalf("a key destroyed during its load stayed cached: %v", err)
	}
}

// BenchmarkKeysAfterTheirMinute is what a keyring pays, per key, to use
// 1,000 cached keys once their minute is up: with the store's log of
// destructions (one read of it in all) and without (a load, an unwrap and
// a cipher each).
func BenchmarkKeysAfterTheirMinute(b *testing.B) {
	for _, logged := range []bool{true, false} {
		b.Run(fmt.Sprintf("log=%v", logged), func(b *testing.B) {
			s := newSetup(b)
			var store KeyStore = s.store
			if !logged {
				store = unlogged{s.store}
			}
			mk, err := OpenFileMasterKey(filepath.Join(s.dir, "master.key"))
			if err != nil {
				b.Fatal(err)
			}
			k := NewKeyring(mk, store)
			now := time.Now()
			k.now = func() time.Time { return now }
			subjects := make([]string, 1000)
			for i := range subjects {
				subjects[i] = fmt.Sprintf("stu-%d", i)
				if _, err := k.cipherFor(ctx, "t1", subjects[i], true); err != nil {
					b.Fatal(err)
				}
			}
			b.ResetTimer()
			for i := range b.N {
				if i%len(subjects) == 0 {
					now = now.Add(k.ForgetWithin()) // every key's minute is up
				}
				if _, err := k.cipherFor(ctx, "t1", subjects[i%len(subjects)], false); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
