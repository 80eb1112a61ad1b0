package main

import (
	"bytes"
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/EventStore/EventStore-Client-Go/v4/esdb"

	"github.com/iup-platform/iup/domain"
	"github.com/iup-platform/iup/domain/retention"
	"github.com/iup-platform/iup/eventstore"
	"github.com/iup-platform/iup/eventstore/kurrent"
	"github.com/iup-platform/iup/eventstore/kurrent/kurrenttest"
	"github.com/iup-platform/iup/eventstore/shred"
	"github.com/iup-platform/iup/handlers"
)

// In distributed mode the read access log is one log in KurrentDB: what
// one API node writes, another reads; the views' $all readers never see
// it; the stored bytes do not say who read; culling the student's
// access-log key (data key in KurrentDB too) shreds the entries.
func TestAccessLogSharedInKurrentDB(t *testing.T) {
	ctx := context.Background()
	srv := kurrenttest.New(t)
	store, err := kurrent.Open(srv.URL())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = store.Close() })
	mk, err := shred.OpenFileMasterKey(filepath.Join(t.TempDir(), "master.key"))
	if err != nil {
		t.Fatal(err)
	}
	keys := shred.NewKeyring(mk, kurrent.NewKeyStore(store))
	node := func() *handlers.EventAccessSink {
		sink, err := openAccessLog(Config{Events: srv.URL()}, store, keys)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = sink.Close() })
		return sink
	}
	a, b := node(), node()
	at := time.Date(2026, 2, 10, 9, 0, 0, 0, time.UTC)
	read := func(i int, student, actor string) handlers.AccessEntry {
		return handlers.AccessEntry{Tenant: "k1", At: at.Add(time.Duration(i) * time.Second), ActorID: actor, Role: domain.RoleGuardian,
			What: "plan", Object: student + ".sy25.HT", StudentID: student}
	}
	if err := a.Append(ctx, []handlers.AccessEntry{read(0, "s1", "g1"), read(1, "s2", "g3"), read(2, "s1", "g2")}); err != nil {
		t.Fatal(err)
	}
	got, err := b.Read(ctx, "k1", "s1", 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].ActorID != "g2" || got[1].ActorID != "g1" || !got[0].At.Equal(at.Add(2*time.Second)) {
		t.Fatalf("node b reads %+v, want g2 then g1", got)
	}

	all, err := store.ReadAll(ctx, eventstore.Start, 1000)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range all {
		if r.Type == (handlers.AccessRead{}).EventType() {
			t.Fatalf("$all readers see the access log in %s", r.Stream)
		}
	}
	raw, err := (&kurrentAccessStreams{client: mustClient(t, srv.URL())}).ReadStream(ctx, handlers.AccessStream("k1", "s1"),
		eventstore.ReadStreamOptions{FromEnd: true, Backwards: true})
	if err != nil || len(raw) != 1 {
		t.Fatalf("raw read: %d events, %v", len(raw), err)
	}
	if bytes.Contains(raw[0].Data, []byte(`"g1"`)) || bytes.Contains(raw[0].Data, []byte(`"g2"`)) {
		t.Fatalf("a reader's id is stored in the clear: %s", raw[0].Data)
	}

	if err := keys.Destroy(ctx, "k1", retention.KeySubject("s1", retention.DocAccessLog), "access-log: 0 months after leaving", at); err != nil {
		t.Fatal(err)
	}
	if got, err := b.Read(ctx, "k1", "s1", 10); err != nil || len(got) != 0 {
		t.Fatalf("after culling s1's access log: %+v %v", got, err)
	}
	if got, err := b.Read(ctx, "k1", "s2", 10); err != nil || len(got) != 1 || got[0].ActorID != "g3" {
		t.Fatalf("s2's access log after culling s1's: %+v %v", got, err)
	}
}

func mustClient(t *testing.T, url string) *esdb.Client {
	t.Helper()
	k, err := openKurrentAccessStreams(url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = k.Close() })
	return k.client
}
