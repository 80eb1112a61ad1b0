package main

import (
	"context"
	"log/slog"
	"net/http"
	"testing"

	"github.com/iup-platform/iup/eventstore/kurrent/kurrenttest"
	"github.com/iup-platform/iup/projections/redistest"
)

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
