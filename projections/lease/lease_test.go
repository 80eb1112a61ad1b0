package lease

import (
	"context"
	"errors"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/iup-platform/iup/eventstore"
	"github.com/iup-platform/iup/projections"
	"github.com/iup-platform/iup/projections/redisstore"
	"github.com/iup-platform/iup/projections/redistest"
)

func newLease(t *testing.T, rdb redis.UniversalClient, key, holder string, ttl time.Duration) *Lease {
	t.Helper()
	l, err := New(rdb, key, holder, ttl)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func token(t *testing.T, f projections.Fence) int64 {
	t.Helper()
	n, err := strconv.ParseInt(f.Token, 10, 64)
	if err != nil {
		t.Fatalf("token %q is not a number: %v", f.Token, err)
	}
	return n
}

// Many processes race for one lease, over and over: never two inside at
// once, and each grant's token is larger than every one before it.
func TestOnlyOneHolderAmongRacingContenders(t *testing.T) {
	rdb := redistest.Client(t)
	key := redistest.Namespace(t) + "lease:audit"
	ctx := context.Background()
	var inside atomic.Int32
	var grants atomic.Int32
	var mu sync.Mutex
	var tokens []int64
	var wg sync.WaitGroup
	deadline := time.Now().Add(1500 * time.Millisecond)
	for i := range 6 {
		l := newLease(t, rdb, key, "contender-"+strconv.Itoa(i), time.Second)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(deadline) {
				fence, _, ok, err := l.TryAcquire(ctx)
				if err != nil {
					t.Error(err)
					return
				}
				if !ok {
					continue
				}
				if n := inside.Add(1); n != 1 {
					t.Errorf("%d holders at once", n)
				}
				grants.Add(1)
				mu.Lock()
				tokens = append(tokens, token(t, fence))
				mu.Unlock()
				time.Sleep(time.Millisecond)
				inside.Add(-1)
				if err := l.Release(ctx, fence); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	if grants.Load() < 20 {
		t.Fatalf("only %d grants in 1.5s: the contenders did not really race", grants.Load())
	}
	// Grants are serialised by the lease, so the order they were recorded
	// in is the order they were made.
	for i := 1; i < len(tokens); i++ {
		if tokens[i] <= tokens[i-1] {
			t.Fatalf("grant %d has token %d after %d: tokens must grow", i, tokens[i], tokens[i-1])
		}
	}
}

// A holder that stops renewing loses the lease at its expiry; the next one
// gets it with a larger token, and the old one's renewal is refused.
func TestTakeoverAfterTheHolderStopsRenewing(t *testing.T) {
	rdb := redistest.Client(t)
	key := redistest.Namespace(t) + "lease:staff"
	ctx := context.Background()
	ttl := 300 * time.Millisecond
	a := newLease(t, rdb, key, "a", ttl)
	b := newLease(t, rdb, key, "b", ttl)

	fa, _, ok, err := a.TryAcquire(ctx)
	if err != nil || !ok {
		t.Fatalf("first acquire: ok=%v err=%v", ok, err)
	}
	if _, _, ok, _ := b.TryAcquire(ctx); ok {
		t.Fatal("b got a lease a holds")
	}
	if h, _ := b.Holder(ctx); h != "a" {
		t.Fatalf("holder = %q, want a", h)
	}
	start := time.Now()
	hb, err := b.Acquire(ctx, 20*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	defer hb.Release(ctx)
	waited := time.Since(start)
	if waited > ttl+200*time.Millisecond {
		t.Fatalf("takeover took %s, the ttl is %s", waited, ttl)
	}
	if token(t, hb.Fence()) <= token(t, fa) {
		t.Fatalf("successor's token %s is not above %s", hb.Fence().Token, fa.Token)
	}
	if _, err := a.Renew(ctx, fa); !errors.Is(err, ErrNotHeld) {
		t.Fatalf("stale renewal: %v, want ErrNotHeld", err)
	}
	// A stale release must not free the successor's lease.
	if err := a.Release(ctx, fa); err != nil {
		t.Fatal(err)
	}
	if h, _ := b.Holder(ctx); h != "b" {
		t.Fatalf("after a stale release the holder is %q, want b", h)
	}
	// b keeps renewing: well past its ttl it still holds.
	time.Sleep(2 * ttl)
	if _, _, ok, _ := a.TryAcquire(ctx); ok {
		t.Fatal("a renewed lease expired")
	}
	select {
	case <-hb.Lost():
		t.Fatalf("held lease reported lost: %v", hb.Cause())
	default:
	}
	// Release hands over at once, without waiting for the expiry.
	if err := hb.Release(ctx); err != nil {
		t.Fatal(err)
	}
	if _, _, ok, err := a.TryAcquire(ctx); !ok || err != nil {
		t.Fatalf("acquire after release: ok=%v err=%v", ok, err)
	}
}

// The holder learns it lost the lease when a renewal finds another token.
func TestHolderIsToldWhenAnotherTookTheLease(t *testing.T) {
	rdb := redistest.Client(t)
	key := redistest.Namespace(t) + "lease:home"
	ctx := context.Background()
	ttl := 300 * time.Millisecond
	a := newLease(t, rdb, key, "a", ttl)
	ha, err := a.Acquire(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	// What an expiry during a pause looks like from Redis: the key is gone
	// and someone else takes it.
	if err := rdb.Del(ctx, key).Err(); err != nil {
		t.Fatal(err)
	}
	b := newLease(t, rdb, key, "b", ttl)
	if _, _, ok, err := b.TryAcquire(ctx); !ok || err != nil {
		t.Fatalf("b: ok=%v err=%v", ok, err)
	}
	select {
	case <-ha.Lost():
		if !errors.Is(ha.Cause(), ErrNotHeld) {
			t.Fatalf("cause = %v", ha.Cause())
		}
	case <-time.After(ttl):
		t.Fatal("the holder was not told within one ttl")
	}
}

// With Redis unreachable no renewal succeeds, and the holder gives the
// lease up at its deadline rather than keep writing on hope.
func TestHolderGivesUpAtTheDeadlineWhenRedisIsGone(t *testing.T) {
	dead := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", DialTimeout: 20 * time.Millisecond, MaxRetries: -1})
	defer dead.Close()
	ttl := 200 * time.Millisecond
	l := newLease(t, dead, "iup:lease:x", "a", ttl)
	start := time.Now()
	h := l.hold(projections.Fence{Key: "iup:lease:x", Token: "7"}, start.Add(ttl))
	select {
	case <-h.Lost():
		if got := time.Since(start); got < ttl {
			t.Fatalf("lost after %s, before the %s deadline", got, ttl)
		}
		if h.Cause() == nil {
			t.Fatal("no cause")
		}
	case <-time.After(3 * ttl):
		t.Fatal("not lost long after the deadline")
	}
}

// The point of the token: a holder paused past its lease wakes, still
// believes it holds it, and writes with its old fence. The store refuses,
// in the same script as the write, and the successor's view is untouched.
func TestPausedHolderIsFencedOffInTheStore(t *testing.T) {
	rdb := redistest.Client(t)
	prefix := redistest.Namespace(t)
	key := prefix + "lease:audit"
	ctx := context.Background()
	ttl := 200 * time.Millisecond
	store := redisstore.New(rdb, prefix)
	ns := projections.Namespace("audit:v1:g1")
	pos := func(n uint64) eventstore.Position { return eventstore.Position{Commit: n, Prepare: n} }

	a := newLease(t, rdb, key, "a", ttl)
	ha, err := a.Acquire(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	staleFence := ha.Fence()
	if err := store.Apply(ctx, ns, eventstore.Start, pos(1), []projections.Change{{Key: "k", Value: []byte("a1")}}, staleFence); err != nil {
		t.Fatalf("holder's own write: %v", err)
	}
	// The pause: a stops renewing (its renewals never reach Redis), the
	// lease expires and b takes it.
	ha.stop()
	<-ha.done
	b := newLease(t, rdb, key, "b", ttl)
	hb, err := b.Acquire(ctx, 20*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	defer hb.Release(ctx)
	if err := store.Apply(ctx, ns, pos(1), pos(2), []projections.Change{{Key: "k", Value: []byte("b2")}}, hb.Fence()); err != nil {
		t.Fatalf("successor's write: %v", err)
	}
	// a wakes and writes the batch it had in hand.
	err = store.Apply(ctx, ns, pos(2), pos(3), []projections.Change{{Key: "k", Value: []byte("a3")}}, staleFence)
	if !errors.Is(err, projections.ErrFenced) {
		t.Fatalf("stale holder's write: %v, want ErrFenced", err)
	}
	got, err := store.Get(ctx, ns, "k")
	if err != nil || string(got[0]) != "b2" {
		t.Fatalf("view = %q (%v), want the successor's b2", got, err)
	}
	cp, _, err := store.Checkpoint(ctx, ns)
	if err != nil || cp != pos(2) {
		t.Fatalf("checkpoint = %s (%v), want 2", cp, err)
	}
	// Even after the successor's lease ends, the old token stays refused:
	// whoever holds the lease next has a larger one.
	if err := hb.Release(ctx); err != nil {
		t.Fatal(err)
	}
	err = store.Apply(ctx, ns, pos(2), pos(3), []projections.Change{{Key: "k", Value: []byte("a3")}}, staleFence)
	if !errors.Is(err, projections.ErrFenced) {
		t.Fatalf("stale write to a free lease: %v, want ErrFenced", err)
	}
}

func TestNewRefusesBadSettings(t *testing.T) {
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1"})
	defer rdb.Close()
	for name, f := range map[string]func() (*Lease, error){
		"no client": func() (*Lease, error) { return New(nil, "k", "a", time.Second) },
		"no key":    func() (*Lease, error) { return New(rdb, "", "a", time.Second) },
		"tiny ttl":  func() (*Lease, error) { return New(rdb, "k", "a", time.Millisecond) },
	} {
		if _, err := f(); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
