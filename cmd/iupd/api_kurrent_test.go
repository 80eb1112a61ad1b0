package main

import (
	"context"
	"encoding/json"
	"errors"
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/iup-platform/iup/domain/catalog"
	"github.com/iup-platform/iup/eventstore"
	"github.com/iup-platform/iup/eventstore/kurrent"
	"github.com/iup-platform/iup/eventstore/kurrent/kurrenttest"
	"github.com/iup-platform/iup/eventstore/shred"
	"github.com/iup-platform/iup/projections/redistest"
)

// makeKeys makes the key files of a distributed deployment once, as an
// operator does before the first start (README, Distributed mode).
func makeKeys(t *testing.T, dir string) {
	t.Helper()
	if _, err := shred.OpenFileMasterKey(filepath.Join(dir, "master.key")); err != nil {
		t.Fatal(err)
	}
	if _, err := loadOrCreateSecret(filepath.Join(dir, "consistency.key")); err != nil {
		t.Fatal(err)
	}
	mintToken(t, dir, "--sub", "setup", "--tenant", "setup", "--role", "admin") // makes signing-key.jwk
}

// startAPIOn starts `iupd api` in this process on the given event store and
// the private Redis.
func startAPIOn(t *testing.T, events, dataDir, prefix string, extra ...string) *apiMain {
	t.Helper()
	var c Config
	args := append([]string{"--addr", "127.0.0.1:0", "--admin-addr", "", "--data-dir", dataDir, "--events", events,
		"--readmodels", redistest.URL(t), "--bus", "redisstream", "--redis-prefix", prefix, "--shutdown-timeout", "2s"}, extra...)
	if err := c.parse("api", args); err != nil {
		t.Fatal(err)
	}
	a, err := startAPI(context.Background(), c, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// An Idempotency-Key on KurrentDB: a retry through another `iupd api` (the
// first one gone) answers the same and writes nothing, and the key reused
// for another request is refused.
func TestKeyedRetryThroughAnotherAPIOnKurrentDB(t *testing.T) {
	srv := kurrenttest.New(t)
	dir, prefix := t.TempDir(), redistest.Namespace(t)
	makeKeys(t, dir)
	first := startAPIOn(t, srv.URL(), dir, prefix)
	admin := mintToken(t, dir, "--sub", "admin1", "--tenant", "t1", "--role", "admin")
	year := `{"id":"sy25","ht":{"start":"2025-08-18","end":"2025-12-19"},"vt":{"start":"2026-01-08","end":"2026-06-12"}}`
	res, body := post(t, "http://"+first.addr+"/v1/school-years", admin, year, "Idempotency-Key", "k1")
	if res.StatusCode != http.StatusCreated {
		t.Fatalf("create = %d %s", res.StatusCode, body)
	}
	written := srv.EventCount()
	if err := first.Close(); err != nil {
		t.Fatal(err)
	}

	second := startAPIOn(t, srv.URL(), dir, prefix)
	t.Cleanup(func() { _ = second.Close() })
	again, body2 := post(t, "http://"+second.addr+"/v1/school-years", admin, year, "Idempotency-Key", "k1")
	if again.StatusCode != http.StatusCreated || body2 != body || again.Header.Get("ETag") != res.Header.Get("ETag") ||
		again.Header.Get("IUP-Consistency-Token") != res.Header.Get("IUP-Consistency-Token") {
		t.Fatalf("retry = %d %v %s; first %v %s", again.StatusCode, again.Header, body2, res.Header, body)
	}
	if n := srv.EventCount(); n != written {
		t.Fatalf("the retry wrote %d records", n-written)
	}
	other := `{"id":"sy26","ht":{"start":"2026-08-17","end":"2026-12-18"},"vt":{"start":"2027-01-07","end":"2027-06-11"}}`
	if reuse, body := post(t, "http://"+second.addr+"/v1/school-years", admin, other, "Idempotency-Key", "k1"); reuse.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("key reused for another request = %d %s, want 422", reuse.StatusCode, body)
	}
	if n := srv.EventCount(); n != written {
		t.Fatalf("the refused reuse wrote %d records", n-written)
	}
}

// In distributed mode the per-student data keys live in KurrentDB, not in a
// host's keys.db, and no process makes a key file of its own.
func TestAPIOnKurrentDBKeepsDataKeysInKurrentDB(t *testing.T) {
	srv := kurrenttest.New(t)
	dir, prefix := t.TempDir(), redistest.Namespace(t)

	var c Config
	if err := c.parse("api", []string{"--addr", "127.0.0.1:0", "--admin-addr", "", "--data-dir", dir, "--events", srv.URL(),
		"--readmodels", redistest.URL(t), "--bus", "redisstream", "--redis-prefix", prefix}); err != nil {
		t.Fatal(err)
	}
	if a, err := startAPI(context.Background(), c, slog.New(slog.DiscardHandler)); err == nil || !strings.Contains(err.Error(), "master.key") {
		if a != nil {
			_ = a.Close()
		}
		t.Fatalf("start without key files: %v, want a refusal naming master.key", err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Fatalf("a refused start left files behind: %v", entries)
	}

	makeKeys(t, dir)
	a := startAPIOn(t, srv.URL(), dir, prefix)
	t.Cleanup(func() { _ = a.Close() })
	admin := mintToken(t, dir, "--sub", "admin1", "--tenant", "t1", "--role", "admin")
	base := "http://" + a.addr
	if res, body := post(t, base+"/v1/schools", admin, `{"id":"school1","name":"Skolan","school_forms":["grundskola"]}`); res.StatusCode != 201 {
		t.Fatalf("school: %d %s", res.StatusCode, body)
	}
	student := `{"id":"s1","school_id":"school1","grade":4,"school_form":"grundskola","display_name":"Astrid Testsson","effective_from":"2025-08-11"}`
	if res, body := post(t, base+"/v1/students", admin, student); res.StatusCode != 201 {
		t.Fatalf("student: %d %s", res.StatusCode, body)
	}
	if _, err := os.Stat(filepath.Join(dir, "keys.db")); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("keys.db in the data folder: %v", err)
	}

	// Another process with only the master key and the KurrentDB opens the
	// name: the data key came from the store.
	store, err := kurrent.Open(srv.URL())
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	mk, err := shred.OpenFileMasterKey(filepath.Join(dir, "master.key"))
	if err != nil {
		t.Fatal(err)
	}
	codec := shred.NewCodec(catalog.Events, shred.NewKeyring(mk, kurrent.NewKeyStore(store)))
	evs, err := store.ReadAll(context.Background(), eventstore.Start, 100)
	if err != nil {
		t.Fatal(err)
	}
	var opened bool
	for _, rec := range evs {
		if strings.Contains(string(rec.Data), "Astrid") {
			t.Fatalf("the name is stored in the clear in %s", rec.Type)
		}
		ev, culled, err := codec.Decode(context.Background(), rec)
		if err != nil || culled {
			t.Fatalf("decode %s: culled=%v %v", rec.Type, culled, err)
		}
		b, _ := json.Marshal(ev)
		opened = opened || strings.Contains(string(b), "Astrid Testsson")
	}
	if !opened {
		t.Fatal("no event opened to the student's name")
	}
}
