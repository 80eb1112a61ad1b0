package runtime_test

import (
	"context"
	"sync"
	"testing"

	"github.com/ThreeDotsLabs/watermill-redisstream/pkg/redisstream"

	"github.com/iup-platform/iup/eventstore"
	"github.com/iup-platform/iup/projections/bus"
	"github.com/iup-platform/iup/projections/redisstore"
	"github.com/iup-platform/iup/projections/redistest"
	"github.com/iup-platform/iup/projections/runtime"
)

// The distributed mode end to end: forwarder to a Redis stream, one
// consumer group per projection, views in Redis; several thousand events
// arrive in order and the views equal a clean build. A restarted forwarder
// resumes after the stream's newest entry.
func TestRedisModeKeepsOrderAndResumes(t *testing.T) {
	client := redistest.Client(t)
	prefix := redistest.Namespace(t)
	events := openEvents(t)
	w := newWriter(t, events, 14)
	w.append(100)
	rb, err := bus.NewRedis(client, prefix, "node1", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer rb.Close()
	views := redisstore.New(client, prefix)
	rt, err := runtime.New(config(events, views, rb, newRegistry(), counter, relationsView))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if err := rt.Start(ctx); err != nil {
		t.Fatal(err)
	}
	runForwarder := func(ctx context.Context) *sync.WaitGroup {
		var wg sync.WaitGroup
		wg.Add(1)
		go func() {
			defer wg.Done()
			fwd, err := runtime.NewForwarder(events, rb, rb.ForwarderStart(events), nil)
			if err != nil {
				t.Error(err)
				return
			}
			if err := fwd.Run(ctx); err != nil {
				t.Errorf("forwarder: %v", err)
			}
		}()
		return &wg
	}
	fctx, stopForwarder := context.WithCancel(ctx)
	fwg := runForwarder(fctx)
	mid := w.append(1500)
	waitFor(t, rt, "counter", mid)
	stopForwarder()
	fwg.Wait()
	fwg = runForwarder(ctx)
	defer func() { cancel(); fwg.Wait() }()
	last := w.append(1500)
	waitFor(t, rt, "counter", last)
	waitFor(t, rt, "relations", last)
	sameDocuments(t, "counter", activeDocuments(t, views, "counter"), cleanBuild(t, events, counter))
	sameDocuments(t, "relations", activeDocuments(t, views, "relations"), cleanBuild(t, events, relationsView))

	// The stream is one unbroken chain: each entry starts where the one
	// before ended, across the forwarder's restart.
	entries, err := client.XRange(ctx, rb.Stream(), "-", "+").Result()
	if err != nil {
		t.Fatal(err)
	}
	var prev eventstore.Position
	for i, e := range entries {
		msg, err := redisstream.DefaultMarshallerUnmarshaller{}.Unmarshal(e.Values)
		if err != nil {
			t.Fatal(err)
		}
		b, err := bus.Decode(msg)
		if err != nil {
			t.Fatal(err)
		}
		if i > 0 && b.Prev != prev {
			t.Fatalf("entry %d starts after %s, the one before ended at %s", i, b.Prev, prev)
		}
		prev = b.Last()
	}
	if prev != last {
		t.Fatalf("the stream ends at %s, the log at %s", prev, last)
	}
}
