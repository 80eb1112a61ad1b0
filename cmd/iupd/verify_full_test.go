package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/iup-platform/iup/domain"
	"github.com/iup-platform/iup/domain/catalog"
	"github.com/iup-platform/iup/domain/plan"
	"github.com/iup-platform/iup/domain/roster"
	"github.com/iup-platform/iup/eventstore"
	"github.com/iup-platform/iup/eventstore/sqlite"
	"github.com/iup-platform/iup/projections"
	"github.com/iup-platform/iup/projections/views"
	"github.com/iup-platform/iup/projections/views/sample"
)

// sealedHistory writes a small realistic organiser (the views' sample),
// sealed with a fresh master key, to store.
func sealedHistory(t *testing.T, store eventstore.Store, dataDir string) int {
	t.Helper()
	codec, keys, err := openCodec(Config{DataDir: dataDir, MasterKeyFile: filepath.Join(dataDir, "master.key")})
	if err != nil {
		t.Fatal(err)
	}
	defer keys.Close()
	ctx := context.Background()
	n := 0
	for _, a := range sample.Generate(sample.Config{Schools: 1, ClassesPerGrade: 1, StudentsPerClass: 1, Subjects: []string{"SV", "MA"}, Seed: 3}) {
		data := make([]eventstore.EventData, len(a.Events))
		for i, ev := range a.Events {
			id := eventstore.NewEventID()
			payload, version, err := codec.Encode(ctx, a.Meta.Actor.Tenant, id, ev)
			if err != nil {
				t.Fatal(err)
			}
			data[i] = eventstore.EventData{ID: id, Type: ev.EventType(), SchemaVersion: version, Data: payload,
				Metadata: eventstore.Metadata{Tenant: a.Meta.Actor.Tenant, ActorID: a.Meta.Actor.ID, ActorRole: string(a.Meta.Actor.Role)}}
		}
		if _, err := store.Append(ctx, a.Stream, eventstore.Any(), data...); err != nil {
			t.Fatal(err)
		}
		n += len(data)
	}
	return n
}

var cachedSample struct {
	once sync.Once
	dir  string
	n    int
	err  error
}

// sampleDir is a fresh data folder holding the sealed sample history: it
// is written once per test binary and copied, since sealing under the race
// detector is slow.
func sampleDir(t *testing.T) (string, int) {
	t.Helper()
	cachedSample.once.Do(func() {
		cachedSample.dir, cachedSample.err = os.MkdirTemp("", "iupd-verify-sample-")
		if cachedSample.err != nil {
			return
		}
		s, err := sqlite.Open(filepath.Join(cachedSample.dir, "events.db"))
		if err != nil {
			cachedSample.err = err
			return
		}
		cachedSample.n = sealedHistory(t, s, cachedSample.dir)
		cachedSample.err = s.Close()
	})
	if cachedSample.err != nil {
		t.Fatal(cachedSample.err)
	}
	dir := t.TempDir()
	for _, f := range []string{"events.db", "events.db-wal", "keys.db", "keys.db-wal", "master.key"} {
		b, err := os.ReadFile(filepath.Join(cachedSample.dir, f))
		if errors.Is(err, os.ErrNotExist) && strings.HasSuffix(f, "-wal") {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, f), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return dir, cachedSample.n
}

func TestMain(m *testing.M) {
	code := m.Run()
	if cachedSample.dir != "" {
		_ = os.RemoveAll(cachedSample.dir)
	}
	if distBin != "" { // the binary built for the multi-process tests
		_ = os.RemoveAll(filepath.Dir(distBin))
	}
	os.Exit(code)
}

// appendRaw appends stored events as a buggy or foreign writer could.
func appendRaw(t *testing.T, dir, stream string, evs ...eventstore.EventData) {
	t.Helper()
	s, err := sqlite.Open(filepath.Join(dir, "events.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for i := range evs {
		evs[i].ID = eventstore.NewEventID()
		if evs[i].Metadata.Tenant == "" {
			evs[i].Metadata.Tenant = "kommun"
		}
	}
	if _, err := s.Append(context.Background(), stream, eventstore.Any(), evs...); err != nil {
		t.Fatal(err)
	}
}

func runFullVerify(t *testing.T, dir string, extra ...string) (string, error) {
	t.Helper()
	var out strings.Builder
	err := verifyCommand(context.Background(), append([]string{"--data-dir", dir}, extra...), &out, io.Discard)
	return out.String(), err
}

func TestFullVerifyPassesOnACleanStore(t *testing.T) {
	dir, n := sampleDir(t)
	out, err := runFullVerify(t, dir)
	if err != nil {
		t.Fatalf("verify of a clean store: %v\n%s", err, out)
	}
	for _, want := range []string{
		fmt.Sprintf("chain intact: %d events", n),
		fmt.Sprintf("events: %d in ", n), "(0 culled), 0 problem(s)",
		fmt.Sprintf("views: %d rebuilt", len(views.All())), "second independent rebuild (give --admin-url to compare the live views), 0 problem(s)",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "PROBLEM") {
		t.Fatalf("problems on a clean store:\n%s", out)
	}
}

func TestFullVerifyReportsBrokenEvents(t *testing.T) {
	planStream := func(student string) string {
		return plan.Stream("kommun", student, domain.TermRef{SchoolYear: "2026-2027", Kind: domain.HT})
	}
	planEvent := plan.Created{}.EventType()
	version, _ := catalog.Events.Version(planEvent)
	studentEvent := roster.StudentRegistered{}.EventType()
	studentVersion, _ := catalog.Events.Version(studentEvent)
	// Each case in its own stream, all in one store: one verify run must
	// report every one of them.
	cases := []struct {
		name, stream string
		ev           eventstore.EventData
		kind         string
	}{
		{"an event of a type nobody registers", planStream("x1"),
			eventstore.EventData{Type: "plan.teleported", SchemaVersion: 1, Data: []byte(`{}`)}, "unknown-type"},
		{"a schema version from the future", planStream("x2"),
			eventstore.EventData{Type: planEvent, SchemaVersion: version + 1, Data: []byte(`{}`)}, "unknown-version"},
		{"data that does not decode into its type", planStream("x3"),
			eventstore.EventData{Type: planEvent, SchemaVersion: version, Data: []byte(`[1, 2]`)}, "undecodable"},
		{"an event of another aggregate in a plan stream", planStream("x4"),
			eventstore.EventData{Type: studentEvent, SchemaVersion: studentVersion, Data: []byte(`{"student_id":"x4"}`)}, "foreign-event"},
		{"a stream of no known kind", "mystery-kommun.x5",
			eventstore.EventData{Type: planEvent, SchemaVersion: version, Data: []byte(`{}`)}, "unknown-stream-kind"},
		{"an event recorded for another tenant", planStream("x6"),
			eventstore.EventData{Type: planEvent, SchemaVersion: version, Data: []byte(`{}`),
				Metadata: eventstore.Metadata{Tenant: "grannkommun"}}, "tenant-mismatch"},
	}
	dir, _ := sampleDir(t)
	for _, c := range cases {
		appendRaw(t, dir, c.stream, c.ev)
	}
	out, err := runFullVerify(t, dir)
	// Views that handle the undecodable events report them as parked too.
	if err == nil {
		t.Errorf("verify passed:\n%s", out)
	}
	// The chain is intact: the events were appended, not tampered with.
	if !strings.Contains(out, "chain intact") {
		t.Errorf("chain reported broken:\n%s", out)
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if !strings.Contains(out, "PROBLEM "+c.kind+" "+c.stream) {
				t.Fatalf("no %s problem naming %s:\n%s", c.kind, c.stream, out)
			}
		})
	}
}

// A decider whose Evolve panics is reported as a problem of its stream,
// not a crash of the verifier, and fails the run.
func TestFullVerifyReportsAFoldThatPanics(t *testing.T) {
	dir, _ := sampleDir(t)
	orig := verifyKinds
	t.Cleanup(func() { verifyKinds = orig })
	verifyKinds = func() map[string]streamKind {
		kinds := streamKinds()
		k := kinds["rosterstudent"]
		k.fold = func() func(domain.Event) {
			return func(ev domain.Event) {
				if _, ok := ev.(roster.GuardianLinked); ok {
					var m map[string]int
					m["boom"]++ // a nil-map write, as a careless Evolve might do
				}
			}
		}
		kinds["rosterstudent"] = k
		return kinds
	}
	out, err := runFullVerify(t, dir)
	if err == nil || !strings.Contains(out, "PROBLEM fold-panic rosterstudent-kommun.") {
		t.Fatalf("verify = %v\n%s", err, out)
	}
}

// A view whose Apply is not a pure function of the log (here: it reads a
// counter outside the view) builds differently twice: each differing key
// is reported and the run fails.
func TestViewsThatDifferAreReported(t *testing.T) {
	dir, _ := sampleDir(t)
	store, err := sqlite.Open(filepath.Join(dir, "events.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	codec, keys, err := openVerifyCodec(dir, "")
	if err != nil {
		t.Fatal(err)
	}
	defer keys.Close()
	var calls atomic.Int64 // outside the view: the second build sees other numbers
	counting := projections.Projection{Name: "impure", Version: 1, Handles: []string{roster.StudentRegistered{}.EventType()},
		Apply: func(tx projections.Tx, ev projections.Event) error {
			tx.Put("student/"+ev.Stream, fmt.Appendf(nil, `{"call":%d}`, calls.Add(1)))
			return nil
		}}
	panicky := projections.Projection{Name: "panicky", Version: 1, Handles: []string{roster.StudentRegistered{}.EventType()},
		Apply: func(projections.Tx, projections.Event) error { panic("view bug") }}
	ctx := context.Background()
	head, err := store.HeadPosition(ctx)
	if err != nil {
		t.Fatal(err)
	}
	total, _ := countEvents(ctx, store, head)
	var out strings.Builder
	problems, err := verifyAll(ctx, store, codec, head, total, []projections.Projection{counting, panicky}, nil, &out, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	var differs, parked int
	for _, p := range problems {
		switch {
		case p.Kind == "view-differs" && strings.HasPrefix(p.Where, "impure student/"):
			differs++
		case p.Kind == "view-parked" && p.Where == "panicky":
			parked++
		default:
			t.Errorf("unexpected problem %s", p)
		}
	}
	if differs == 0 || parked == 0 {
		t.Fatalf("differs %d, parked %d; output:\n%s", differs, parked, out.String())
	}
	if !strings.Contains(out.String(), "PROBLEM view-differs impure student/") {
		t.Fatalf("output:\n%s", out.String())
	}
}

// Against a running service, verify compares the live views at their
// checkpoints: equal after writes, and a changed live document is named.
func TestVerifyAgainstTheLiveViews(t *testing.T) {
	m := startMain(t)
	sealedHistory(t, m.store, m.Config.DataDir)
	ctx := context.Background()
	head, err := m.store.HeadPosition(ctx)
	if err != nil {
		t.Fatal(err)
	}
	wctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	for _, p := range views.All() {
		if err := m.read.runtime.WaitFor(wctx, p.Name, head); err != nil {
			t.Fatalf("%s never caught up: %v", p.Name, err)
		}
	}
	admin := "http://" + m.AdminAddr()
	out, err := runFullVerify(t, m.Config.DataDir, "--admin-url", admin)
	if err != nil || !strings.Contains(out, "compared with the live views at their checkpoints, 0 problem(s)") {
		t.Fatalf("verify against a healthy service: %v\n%s", err, out)
	}

	// Corrupt one live document behind the projector's back.
	view := views.All()[0].Name
	rd, err := m.read.runtime.Reader(ctx, view)
	if err != nil {
		t.Fatal(err)
	}
	var key string
	if err := rd.Scan(ctx, "", func(k string, _ []byte) error {
		if key == "" {
			key = k
		}
		return nil
	}); err != nil || key == "" {
		t.Fatalf("no document in %s: %v", view, err)
	}
	cp, _, err := m.read.store.Checkpoint(ctx, rd.Namespace())
	if err != nil {
		t.Fatal(err)
	}
	if err := m.read.store.Apply(ctx, rd.Namespace(), cp, cp, []projections.Change{{Key: key, Value: []byte(`{"tampered":true}`)}}, projections.Fence{}); err != nil {
		t.Fatal(err)
	}
	out, err = runFullVerify(t, m.Config.DataDir, "--admin-url", admin)
	if err == nil || !strings.Contains(out, "PROBLEM view-differs "+view+" "+key+":") {
		t.Fatalf("a changed live document was not named: %v\n%s", err, out)
	}

	// The dump of an unknown view is a 404, reported as an error.
	if _, err := (adminViews{base: admin, client: http.DefaultClient, retries: 0}).View(ctx, "nope"); err == nil || !strings.Contains(err.Error(), "404") {
		t.Fatalf("dump of an unknown view: %v", err)
	}
}

// A torn read (the view applied a batch during the scan) is read again,
// and refused when it keeps moving: verify never compares half a batch.
func TestLiveDumpRefusesATornRead(t *testing.T) {
	var reads atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := reads.Add(1)
		fmt.Fprintf(w, "{\"mark\":{\"namespace\":\"v.v1.a\",\"checkpoint\":\"%d/0\"}}\n", n)
		fmt.Fprintln(w, `{"key":"k","value":"e30="}`)
		// The checkpoint moves during every scan.
		fmt.Fprintf(w, "{\"end\":{\"namespace\":\"v.v1.a\",\"checkpoint\":\"%d/0\"}}\n", n+1)
	}))
	defer srv.Close()
	a := adminViews{base: srv.URL, client: srv.Client(), retries: 2, pause: time.Millisecond}
	if _, err := a.View(context.Background(), "v"); !errors.Is(err, errViewMoved) || reads.Load() != 3 {
		t.Fatalf("a view that keeps moving: %v after %d reads", err, reads.Load())
	}
	steady := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, `{"mark":{"namespace":"v.v1.a","checkpoint":"7/0"}}`)
		fmt.Fprintln(w, `{"key":"k","value":"e30="}`)
		fmt.Fprintln(w, `{"end":{"namespace":"v.v1.a","checkpoint":"7/0"}}`)
	}))
	defer steady.Close()
	lv, err := adminViews{base: steady.URL, client: steady.Client()}.View(context.Background(), "v")
	if err != nil || lv.checkpoint != (eventstore.Position{Commit: 7}) || string(lv.docs["k"]) != "{}" {
		t.Fatalf("a steady view: %+v, %v", lv, err)
	}
}

// Sealed content copied into another event (a replay of someone's comment
// under a new event id) does not open: the event id authenticates it.
func TestFullVerifyReportsSealedContentUnderAnotherEventID(t *testing.T) {
	dir, _ := sampleDir(t)
	s, err := sqlite.Open(filepath.Join(dir, "events.db"))
	if err != nil {
		t.Fatal(err)
	}
	all, err := s.ReadAll(context.Background(), eventstore.Start, 5000)
	s.Close()
	if err != nil {
		t.Fatal(err)
	}
	var victim *eventstore.RecordedEvent
	for i := range all {
		if strings.Contains(string(all[i].Data), `"_sealed"`) {
			victim = &all[i]
			break
		}
	}
	if victim == nil {
		t.Fatal("the sample has no sealed event")
	}
	cp := victim.EventData
	appendRaw(t, dir, victim.Stream, cp)
	out, err := runFullVerify(t, dir)
	if err == nil || !strings.Contains(out, "PROBLEM undecodable "+victim.Stream+"@") || !strings.Contains(out, "does not authenticate") {
		t.Fatalf("verify = %v\n%s", err, out)
	}
}
