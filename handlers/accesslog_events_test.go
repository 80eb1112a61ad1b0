package handlers

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/iup-platform/iup/domain"
	"github.com/iup-platform/iup/domain/retention"
	"github.com/iup-platform/iup/eventstore"
	"github.com/iup-platform/iup/eventstore/shred"
	"github.com/iup-platform/iup/eventstore/shred/shredtest"
	"github.com/iup-platform/iup/eventstore/sqlite"
)

// The access log in an event store of its own (the embedded default):
// what one API node writes another reads, newest first; the entries are
// sealed (no reader's id in the stored bytes); destroying the student's
// access-log key culls them and only them. (iupd api's KurrentDB streams
// are tested in cmd/iupd with the same checks.)
func TestAccessLogInTheEventStore(t *testing.T) {
	s, err := sqlite.Open(filepath.Join(t.TempDir(), "access-log.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	testAccessLogStore(t, s)
}

func testAccessLogStore(t *testing.T, store AccessStreams) {
	ctx := context.Background()
	keys, ks := shredtest.Open(t, t.TempDir())
	t.Cleanup(func() { _ = ks.Close() })
	node := func() *EventAccessSink {
		s, err := NewEventAccessSink(store, shred.NewCodec(AccessEvents, keys), nil)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	a, b := node(), node()

	t0 := time.Date(2026, 2, 10, 9, 0, 0, 0, time.UTC)
	entry := func(i int, tenant, student, actor string) AccessEntry {
		return AccessEntry{Tenant: tenant, At: t0.Add(time.Duration(i) * time.Second), ActorID: actor, Role: domain.RoleGuardian,
			What: "plan", Object: student + ".sy25.HT", StudentID: student}
	}
	// Two batches from node a, one with two students and another organiser.
	if err := a.Append(ctx, []AccessEntry{entry(0, "k1", "s1", "g1"), entry(1, "k1", "s2", "g3"), entry(2, "k1", "s1", "g2"), entry(3, "k2", "s1", "x9")}); err != nil {
		t.Fatal(err)
	}
	if err := a.Append(ctx, []AccessEntry{entry(4, "k1", "s1", "mentor1")}); err != nil {
		t.Fatal(err)
	}

	got, err := b.Read(ctx, "k1", "s1", 100)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"mentor1", "g2", "g1"}; fmt.Sprint(actors(got)) != fmt.Sprint(want) {
		t.Fatalf("node b reads %v, want %v newest first", actors(got), want)
	}
	if !got[0].At.Equal(t0.Add(4*time.Second)) || got[0].What != "plan" || got[0].Object != "s1.sy25.HT" {
		t.Fatalf("entry %+v", got[0])
	}
	if got, _ := b.Read(ctx, "k1", "s1", 2); fmt.Sprint(actors(got)) != "[mentor1 g2]" {
		t.Fatalf("limit 2 reads %v", actors(got))
	}
	if got, _ := b.Read(ctx, "k2", "s1", 100); fmt.Sprint(actors(got)) != "[x9]" {
		t.Fatalf("the other organiser's s1 reads %v", actors(got))
	}
	if got, err := b.Read(ctx, "k1", "nobody", 100); err != nil || len(got) != 0 {
		t.Fatalf("a student never read: %v %v", got, err)
	}

	// Sealed: the stored bytes do not say who read.
	recs, err := store.ReadStream(ctx, AccessStream("k1", "s1"), eventstore.ReadStreamOptions{FromEnd: true, Backwards: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range recs {
		if bytes.Contains(r.Data, []byte("mentor1")) || bytes.Contains(r.Data, []byte(`"g1"`)) || r.Metadata.ActorID != "" {
			t.Fatalf("a reader's id is stored in the clear: %s %+v", r.Data, r.Metadata)
		}
	}
	// Culling s1's access log (retention's access-log document type)
	// shreds s1's entries and nothing else.
	if err := keys.Destroy(ctx, "k1", retention.KeySubject("s1", retention.DocAccessLog), "access-log: 12 months after leaving", t0); err != nil {
		t.Fatal(err)
	}
	if got, err := b.Read(ctx, "k1", "s1", 100); err != nil || len(got) != 0 {
		t.Fatalf("after culling s1's access log reads %v %v, want nothing", actors(got), err)
	}
	if got, _ := b.Read(ctx, "k1", "s2", 100); fmt.Sprint(actors(got)) != "[g3]" {
		t.Fatalf("s2's access log after culling s1's: %v", actors(got))
	}
}

func actors(es []AccessEntry) []string {
	out := make([]string, len(es))
	for i, e := range es {
		out[i] = e.ActorID
	}
	return out
}
