package bus_test

import (
	"context"
	"testing"
	"time"

	"github.com/iup-platform/iup/projections/bus"
	"github.com/iup-platform/iup/projections/redistest"
)

func newRedisBus(t *testing.T) *bus.Redis {
	t.Helper()
	client := redistest.Client(t)
	r, err := bus.NewRedis(client, redistest.Namespace(t), "node1", nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = r.Close() })
	return r
}

func TestRedisRefusesMissingClient(t *testing.T) {
	if _, err := bus.NewRedis(nil, "p:", "node1", nil); err == nil {
		t.Fatal("a Redis bus without a client was made")
	}
}

func TestRedisKeepsOrder(t *testing.T) {
	r := newRedisBus(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	const n = 3000
	publishAll(t, r, 1, n)
	a, err := r.Subscribe(ctx, "a")
	if err != nil {
		t.Fatal(err)
	}
	b, err := r.Subscribe(ctx, "b")
	if err != nil {
		t.Fatal(err)
	}
	// Each group reads the whole stream on its own, in order.
	checkInOrder(t, receive(t, a, n), 1)
	checkInOrder(t, receive(t, b, n), 1)
	pos, ok, err := r.LastForwarded(ctx)
	if err != nil || !ok || pos.Commit != n*10 {
		t.Fatalf("last forwarded = %v %v %v, want the position of event %d", pos, ok, err, n)
	}
}

func TestRedisCloseLeavesTheClientOpen(t *testing.T) {
	client := redistest.Client(t)
	r, err := bus.NewRedis(client, redistest.Namespace(t), "node1", nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	if _, err := r.Subscribe(ctx, "a"); err != nil {
		t.Fatal(err)
	}
	cancel() // closes the subscriber
	time.Sleep(100 * time.Millisecond)
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	if err := client.Ping(context.Background()).Err(); err != nil {
		t.Fatalf("closing the bus closed the caller's client: %v", err)
	}
}

// A consumer dies holding unacked messages; the next consumer of the group
// gets those first, at once, not after redisstream's long idle time.
func TestRedisNewConsumerClaimsPendingFirst(t *testing.T) {
	r := newRedisBus(t)
	publishAll(t, r, 1, 5)
	ctx1, kill := context.WithCancel(context.Background())
	feed, err := r.Subscribe(ctx1, "p")
	if err != nil {
		t.Fatal(err)
	}
	checkInOrder(t, receive(t, feed, 2), 1) // acked
	select {
	case msg := <-feed: // event 3 is delivered, never acked
		if b, _ := bus.Decode(msg); b.Last().Commit != 30 {
			t.Fatalf("third message carries %s", b.Last())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("third message not delivered")
	}
	kill()
	time.Sleep(300 * time.Millisecond)
	publishAll(t, r, 6, 7)

	ctx2, cancel := context.WithCancel(context.Background())
	defer cancel()
	start := time.Now()
	feed2, err := r.Subscribe(ctx2, "p")
	if err != nil {
		t.Fatal(err)
	}
	got := receive(t, feed2, 5)
	if got[0] != 3 {
		t.Fatalf("the new consumer got %v: the dead one's pending event 3 should come first", got)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Fatalf("pending messages took %s to be claimed", d)
	}
	// Event 3's redelivery may be followed by 4 and 5 (delivered to the dead
	// consumer's channel or not); every event arrives.
	seen := map[int]bool{}
	for _, g := range got {
		seen[g] = true
	}
	for i := 3; i <= 7; i++ {
		if !seen[i] {
			t.Fatalf("event %d missing after the takeover: got %v", i, got)
		}
	}
}

func TestRedisTrimKeepsWhatAGroupStillNeeds(t *testing.T) {
	r := newRedisBus(t)
	client := redistest.Client(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	publishAll(t, r, 1, 10)
	fast, err := r.Subscribe(ctx, "fast")
	if err != nil {
		t.Fatal(err)
	}
	slow, err := r.Subscribe(ctx, "slow")
	if err != nil {
		t.Fatal(err)
	}
	receive(t, fast, 10)
	receive(t, slow, 4)
	// Event 5 is delivered to slow and left pending.
	var pending bool
	select {
	case <-slow:
		pending = true
	case <-time.After(10 * time.Second):
	}
	if !pending {
		t.Fatal("fifth message not delivered to the slow group")
	}
	time.Sleep(200 * time.Millisecond) // let the acks land
	if _, err := r.Trim(ctx); err != nil {
		t.Fatal(err)
	}
	entries, err := client.XRange(ctx, r.Stream(), "-", "+").Result()
	if err != nil {
		t.Fatal(err)
	}
	// Entries 1-4 are done by both groups; 5 is pending for slow.
	if len(entries) != 6 {
		t.Fatalf("after trimming %d entries remain, want 6 (events 5 to 10)", len(entries))
	}
	cancel()
}

// A group no projection reads any more (a retired view) must not hold the
// stream: with names, only the named groups count.
func TestRedisTrimIgnoresGroupsNotNamed(t *testing.T) {
	r := newRedisBus(t)
	client := redistest.Client(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if n, err := r.Trim(ctx, "live"); err != nil || n != 0 {
		t.Fatalf("trimming a stream not yet made: %d, %v", n, err)
	}
	publishAll(t, r, 1, 10)
	retired, err := r.Subscribe(ctx, "retired")
	if err != nil {
		t.Fatal(err)
	}
	receive(t, retired, 2)
	live, err := r.Subscribe(ctx, "live")
	if err != nil {
		t.Fatal(err)
	}
	receive(t, live, 10)
	time.Sleep(200 * time.Millisecond) // let the acks land
	if _, err := r.Trim(ctx); err != nil {
		t.Fatal(err)
	}
	if n, _ := client.XLen(ctx, r.Stream()).Result(); n < 8 {
		t.Fatalf("trimming over every group left %d entries: the retired group still needs 8", n)
	}
	if _, err := r.Trim(ctx, "live"); err != nil {
		t.Fatal(err)
	}
	if n, _ := client.XLen(ctx, r.Stream()).Result(); n != 1 {
		t.Fatalf("trimming over the live group left %d entries, want the last one", n)
	}
}
