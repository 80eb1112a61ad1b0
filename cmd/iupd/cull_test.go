package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"

	"github.com/iup-platform/iup/domain"
	"github.com/iup-platform/iup/domain/plan"
	"github.com/iup-platform/iup/domain/retention"
	"github.com/iup-platform/iup/domain/roster"
	"github.com/iup-platform/iup/eventstore"
	"github.com/iup-platform/iup/eventstore/shred"
	"github.com/iup-platform/iup/eventstore/sqlite"
	"github.com/iup-platform/iup/projections"
	"github.com/iup-platform/iup/projections/bus"
	"github.com/iup-platform/iup/projections/memstore"
	"github.com/iup-platform/iup/projections/redisstore"
	"github.com/iup-platform/iup/projections/redistest"
	"github.com/iup-platform/iup/projections/runtime"
	"github.com/iup-platform/iup/projections/views"
	"github.com/iup-platform/iup/projections/views/sample"
)

const tenant = "kommun"

// privacyWorld is a small organiser in a temp dir: the SQLite event store,
// the key store and the sample history, plus one student with texts of
// their own that no one else shares.
type privacyWorld struct {
	dir     string
	store   *sqlite.Store
	codec   *shred.Codec
	keys    *shred.SQLiteKeyStore
	log     *eventstore.DomainLog
	victim  string
	secrets []string // the victim's texts and name, as stored before culling
}

func newPrivacyWorld(t *testing.T) *privacyWorld {
	t.Helper()
	ctx := context.Background()
	w := &privacyWorld{dir: t.TempDir()}
	var err error
	if w.store, err = sqlite.Open(filepath.Join(w.dir, "events.db")); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.store.Close() })
	if w.codec, w.keys, err = openSealing(w.dir, ""); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.keys.Close() })
	w.log = eventstore.NewDomainLog(w.store, w.codec)
	versions := map[string]domain.Version{}
	put := func(stream string, m domain.Meta, evs ...domain.Event) {
		t.Helper()
		v, ok := versions[stream]
		if !ok {
			loaded, err := w.log.Load(ctx, stream)
			if err != nil {
				t.Fatal(err)
			}
			v = loaded.Version
		}
		res, err := w.log.Append(ctx, stream, v, m, evs)
		if err != nil {
			t.Fatalf("append to %s: %v", stream, err)
		}
		versions[stream] = res.Version
	}
	history := sample.Generate(sample.Config{Tenant: tenant, Schools: 1, ClassesPerGrade: 1, StudentsPerClass: 2, Subjects: []string{"SV", "MA"}, Seed: 1})
	for _, a := range history {
		put(a.Stream, a.Meta, a.Events...)
		for _, ev := range a.Events {
			if r, ok := ev.(roster.StudentRegistered); ok && w.victim == "" && r.Grade == 4 {
				w.victim = r.StudentID
			}
		}
	}
	if w.victim == "" {
		t.Fatal("the sample has no student in year 4")
	}
	admin := domain.Meta{Actor: domain.Actor{Tenant: tenant, ID: "admin", Role: domain.RoleAdmin}, Now: time.Date(2027, 1, 20, 9, 0, 0, 0, time.UTC)}
	mentor := admin
	name, field := "Zelda Qvarnström-Ödqvist", "Zelda behöver lugn miljö efter skilsmässan hemma"
	w.secrets = []string{name, field, "Qvarnström", "skilsmässan"}
	put(roster.StudentStream(tenant, w.victim), admin, roster.StudentRenamed{StudentID: w.victim, DisplayName: name})
	ht := domain.TermRef{SchoolYear: "2026-2027", Kind: domain.HT}
	put(plan.Stream(tenant, w.victim, ht), mentor, plan.FieldSet{PlanID: plan.ID(w.victim, ht), StudentID: w.victim, Key: "school_does", Text: field})
	put(roster.StudentStream(tenant, w.victim), admin, roster.StudentLeft{StudentID: w.victim, EffectiveFrom: domain.MustDate("2027-06-16")})
	put(retention.ScheduleStream(tenant), admin, retention.ScheduleSet{Rules: []retention.Rule{
		{DocType: retention.DocPlan, Months: 24}, {DocType: retention.DocAssessment, Months: 24},
		{DocType: retention.DocConference, Months: 36}, {DocType: retention.DocRisk, Months: 12}, {DocType: retention.DocAccessLog, Months: 12}}})
	return w
}

// wrappedKeys reads every wrapped data key of the victim, before culling.
func (w *privacyWorld) wrappedKeys(t *testing.T) [][]byte {
	t.Helper()
	var out [][]byte
	for _, d := range append(retention.DocTypes, retention.Identity) {
		k, err := w.keys.Load(context.Background(), tenant, retention.KeySubject(w.victim, d))
		if errors.Is(err, shred.ErrNoKey) {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, k)
	}
	if len(out) < 3 {
		t.Fatalf("want keys for the identity, plans and more, got %d", len(out))
	}
	return out
}

// startViews runs every view over store (Redis or memory), as serve does.
func startViews(t *testing.T, w *privacyWorld, views projections.Store) *readSide {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	rs := &readSide{views: viewsAll(), bus: bus.NewGoChannel(slog.New(slog.DiscardHandler)), cancel: cancel, forwarded: make(chan error, 1)}
	rt, err := runtime.New(runtime.Config{Events: w.store, Codec: w.codec, Views: views, Bus: rs.bus,
		Projections: rs.views, Registerer: prometheus.NewRegistry(), Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	rs.runtime = rt
	fwd, err := runtime.NewForwarder(w.store, rs.bus, rt.Low, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	if err := rt.Start(ctx); err != nil {
		t.Fatal(err)
	}
	go func() { rs.forwarded <- fwd.Run(ctx) }()
	t.Cleanup(func() { _ = rs.Close() })
	return rs
}

func viewsAll() []projections.Projection { return views.All() }

// viewBytes is every view's documents, key by key.
func viewBytes(t *testing.T, rs *readSide) map[string][]byte {
	t.Helper()
	ctx := context.Background()
	out := map[string][]byte{}
	for _, p := range rs.views {
		rd, err := rs.runtime.Reader(ctx, p.Name)
		if err != nil {
			t.Fatal(err)
		}
		if err := rd.Scan(ctx, "", func(k string, v []byte) error { out[p.Name+" "+k] = bytes.Clone(v); return nil }); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

// redisBytes is everything the private redis-server holds under prefix:
// each key's DUMP and its values read back in the clear (DUMP may compress).
func redisBytes(t *testing.T, rdb *redis.Client, prefix string) map[string][]byte {
	t.Helper()
	ctx := context.Background()
	out := map[string][]byte{}
	iter := rdb.Scan(ctx, 0, prefix+"*", 100).Iterator()
	for iter.Next(ctx) {
		k := iter.Val()
		dump, err := rdb.Dump(ctx, k).Result()
		if err != nil {
			t.Fatal(err)
		}
		var b bytes.Buffer
		b.WriteString(dump)
		switch typ := rdb.Type(ctx, k).Val(); typ {
		case "hash":
			for f, v := range rdb.HGetAll(ctx, k).Val() {
				b.WriteString(f + v)
			}
		case "string":
			b.WriteString(rdb.Get(ctx, k).Val())
		default:
			t.Fatalf("redis key %s has type %s: read it too", k, typ)
		}
		out[k] = b.Bytes()
	}
	if err := iter.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func findAny(where map[string][]byte, needles [][]byte) []string {
	var hits []string
	for name, b := range where {
		for _, n := range needles {
			if bytes.Contains(b, n) {
				hits = append(hits, fmt.Sprintf("%s holds %q", name, truncate(n)))
			}
		}
	}
	return hits
}

func truncate(b []byte) string {
	if len(b) > 12 {
		return fmt.Sprintf("%x…", b[:6])
	}
	return string(b)
}

// The must-show test of culling: after the daily job culls one student,
// neither the SQLite files, nor Redis, nor any view holds their texts, name
// or wrapped keys; the hash chain still verifies; and a rebuild from the
// log equals the live views byte for byte.
func TestCullingLeavesNoTrace(t *testing.T) {
	w := newPrivacyWorld(t)
	rdb := redistest.Client(t)
	prefix := redistest.Namespace(t)
	live := startViews(t, w, redisstore.New(rdb, prefix))
	ctx := context.Background()

	var needles [][]byte
	for _, s := range w.secrets {
		needles = append(needles, []byte(s))
	}
	wrapped := w.wrappedKeys(t)
	needles = append(needles, wrapped...)
	// The search must be able to fail: before culling the texts are there.
	waitFor(t, func() bool { return len(findAny(viewBytes(t, live), needles[:1])) > 0 }, "the victim's name in the views")
	if len(findAny(redisBytes(t, rdb, prefix), needles[:1])) == 0 {
		t.Fatal("the victim's name is not in Redis before culling: the search could not fail")
	}

	// The daily job at a date when everything is due (the conference rule,
	// 36 months, is the longest), with its watcher rebuilding the views.
	c, err := newCuller(w.store, w.codec, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	rebuilt := make(chan struct{}, 4)
	watcher := newCullWatcher(w.store, w.codec.Keyring(), func(ctx context.Context) error {
		err := live.rebuildAll(ctx)
		rebuilt <- struct{}{}
		return err
	}, slog.New(slog.DiscardHandler))
	head, _ := w.store.HeadPosition(ctx)
	wctx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- watcher.run(wctx, head) }()
	t.Cleanup(func() { stop(); <-done })

	n, err := c.run(ctx, time.Date(2030, 6, 17, 3, 0, 0, 0, time.UTC))
	if err != nil || n != 1 {
		t.Fatalf("culled %d students (%v), want the one who left", n, err)
	}
	select {
	case <-rebuilt:
	case <-time.After(30 * time.Second):
		t.Fatal("the views were not rebuilt after the culling")
	}
	if err := live.runtime.WaitFor(ctx, "audit", mustHead(t, w.store)); err != nil {
		t.Fatal(err)
	}

	// SQLite files: events and keys, with their WALs.
	files := map[string][]byte{}
	for _, name := range []string{"events.db", "events.db-wal", "keys.db", "keys.db-wal"} {
		if b, err := os.ReadFile(filepath.Join(w.dir, name)); err == nil {
			files[name] = b
		}
	}
	if len(files["events.db"])+len(files["events.db-wal"]) == 0 || len(files["keys.db"]) == 0 {
		t.Fatal("the SQLite files were not found")
	}
	for _, where := range []map[string][]byte{files, redisBytes(t, rdb, prefix), viewBytes(t, live)} {
		if hits := findAny(where, needles); len(hits) > 0 {
			t.Errorf("after culling: %s", strings.Join(hits, "; "))
		}
	}
	// The key store's WAL was checkpointed and truncated.
	if len(files["keys.db-wal"]) != 0 {
		t.Errorf("keys.db-wal is %d bytes after culling, want 0", len(files["keys.db-wal"]))
	}

	// The history is intact: verify --chain passes.
	var out, errOut bytes.Buffer
	if err := verifyCommand(ctx, []string{"--chain", "--data-dir", w.dir}, &out, &errOut); err != nil {
		t.Fatalf("verify --chain after culling: %v\n%s%s", err, out.String(), errOut.String())
	}

	// A rebuild from the (now partly undecryptable) log equals the live views.
	fresh := startViews(t, w, memstore.New())
	if err := fresh.runtime.WaitFor(ctx, "audit", mustHead(t, w.store)); err != nil {
		t.Fatal(err)
	}
	a, b := viewBytes(t, live), viewBytes(t, fresh)
	if len(a) != len(b) {
		t.Fatalf("live views have %d documents, a rebuild %d", len(a), len(b))
	}
	for k, v := range a {
		if !bytes.Equal(v, b[k]) {
			t.Errorf("document %s differs from a rebuild:\n live: %s\nfresh: %s", k, v, b[k])
		}
	}
	// The culling event is in the log and names the rules.
	state, _, err := retention.LoadStudent(ctx, w.log, tenant, w.victim)
	if err != nil || !state.Culled[retention.Identity] || !state.Culled[retention.DocConference] {
		t.Fatalf("retention state after culling: %+v %v", state, err)
	}
	// Running again the same day culls nothing new.
	if n, err := c.run(ctx, time.Date(2030, 6, 17, 4, 0, 0, 0, time.UTC)); err != nil || n != 0 {
		t.Fatalf("second run culled %d (%v), want 0", n, err)
	}
}

func mustHead(t *testing.T, s eventstore.Store) eventstore.Position {
	t.Helper()
	p, err := s.HeadPosition(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func waitFor(t *testing.T, cond func() bool, what string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
