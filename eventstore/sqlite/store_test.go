package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/iup-platform/iup/eventstore"
	"github.com/iup-platform/iup/eventstore/storetest"
)

func openTest(t *testing.T, opts ...Option) (*Store, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "data", "events.db")
	s, err := Open(path, opts...)
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s, path
}

// withPragma adds a pragma to every connection (tests provoke failures with it).
func withPragma(p string) Option {
	return func(c *config) { c.extraPragmas = append(c.extraPragmas, p) }
}

func event(data string) eventstore.EventData {
	return eventstore.EventData{ID: eventstore.NewEventID(), Type: "test.happened", SchemaVersion: 1,
		Data: []byte(data), Metadata: eventstore.Metadata{Tenant: "t"}}
}

func TestContract(t *testing.T) {
	storetest.Run(t, func(t *testing.T, clock eventstore.Clock) eventstore.Store {
		s, _ := openTest(t, WithClock(clock))
		return s
	}, storetest.Options{IdempotentForAllExpectations: true, ReportsIDReuse: true})
}

func TestEveryConnectionHasThePragmas(t *testing.T) {
	s, _ := openTest(t, WithReadConns(3))
	ctx := context.Background()
	check := func(t *testing.T, name string, q interface {
		QueryRowContext(context.Context, string, ...any) *sql.Row
	}) {
		var journal string
		var sync, busy, fk, secure int
		for _, p := range []struct {
			sql  string
			dest any
		}{{"PRAGMA journal_mode", &journal}, {"PRAGMA synchronous", &sync}, {"PRAGMA busy_timeout", &busy}, {"PRAGMA foreign_keys", &fk}, {"PRAGMA secure_delete", &secure}} {
			if err := q.QueryRowContext(ctx, p.sql).Scan(p.dest); err != nil {
				t.Fatalf("%s: %s: %v", name, p.sql, err)
			}
		}
		if journal != "wal" || sync != 2 || busy != 10000 || fk != 1 || secure != 1 {
			t.Fatalf("%s: journal_mode=%s synchronous=%d busy_timeout=%d foreign_keys=%d secure_delete=%d; want wal, 2 (FULL), 10000, 1, 1",
				name, journal, sync, busy, fk, secure)
		}
	}
	// Hold three read connections at once, so they are three distinct ones.
	var conns []*sql.Conn
	for range 3 {
		c, err := s.reader.Conn(ctx)
		if err != nil {
			t.Fatalf("read connection: %v", err)
		}
		conns = append(conns, c)
	}
	for i, c := range conns {
		check(t, "reader "+string(rune('0'+i)), c)
		_ = c.Close()
	}
	if err := s.onWriter(ctx, func(w *writer) error { check(t, "writer", w.conn); return nil }); err != nil {
		t.Fatal(err)
	}
}

func TestPingAndWritable(t *testing.T) {
	s, _ := openTest(t)
	ctx := context.Background()
	if err := s.Ping(ctx); err != nil {
		t.Fatalf("ping: %v", err)
	}
	if err := s.Writable(ctx); err != nil {
		t.Fatalf("writable: %v", err)
	}
	_ = s.Close()
	if err := s.Writable(ctx); !errors.Is(err, eventstore.ErrUnavailable) {
		t.Fatalf("writable after close: %v, want ErrUnavailable", err)
	}
	if _, err := s.Append(ctx, "s", eventstore.Any(), event(`{}`)); !errors.Is(err, eventstore.ErrUnavailable) {
		t.Fatalf("append after close: %v, want ErrUnavailable", err)
	}
}

func TestReadersDoNotBlockTheWriter(t *testing.T) {
	s, _ := openTest(t)
	ctx := context.Background()
	if _, err := s.Append(ctx, "s", eventstore.NoStream(), event(`{"n":0}`)); err != nil {
		t.Fatal(err)
	}
	// A long read transaction holds its WAL snapshot...
	tx, err := s.reader.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = tx.Rollback() }()
	var n int
	if err := tx.QueryRow(`SELECT count(*) FROM events`).Scan(&n); err != nil || n != 1 {
		t.Fatalf("count in read tx = %d, %v", n, err)
	}
	// ...while appends commit without waiting for it.
	c, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if _, err := s.Append(c, "s", eventstore.Exact(0), event(`{"n":1}`)); err != nil {
		t.Fatalf("append during a read transaction: %v", err)
	}
	if err := tx.QueryRow(`SELECT count(*) FROM events`).Scan(&n); err != nil || n != 1 {
		t.Fatalf("the open snapshot changed: count = %d, %v", n, err)
	}
}

func TestReopenKeepsTheLogAndItsHead(t *testing.T) {
	s, path := openTest(t)
	ctx := context.Background()
	first, err := s.Append(ctx, "plan-1", eventstore.NoStream(), event(`{"n":0}`), event(`{"n":1}`))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("close: %v", err)
	}
	s2, err := Open(path)
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	defer func() { _ = s2.Close() }()
	if head, _ := s2.HeadPosition(ctx); head != first.Position {
		t.Fatalf("head after reopen = %v, want %v", head, first.Position)
	}
	next, err := s2.Append(ctx, "plan-1", eventstore.Exact(1), event(`{"n":2}`))
	if err != nil || next.Revision != 2 || !first.Position.Before(next.Position) {
		t.Fatalf("append after reopen = %+v, %v", next, err)
	}
}

func TestCloseFinishesInFlightAppends(t *testing.T) {
	s, path := openTest(t)
	var wg sync.WaitGroup
	var mu sync.Mutex
	acked := map[string]eventstore.AppendResult{}
	for w := range 16 {
		wg.Go(func() {
			stream := "close-" + string(rune('a'+w))
			for i := 0; ; i++ {
				res, err := s.Append(context.Background(), stream, eventstore.Any(), event(`{"i":1}`))
				if errors.Is(err, eventstore.ErrUnavailable) {
					return
				}
				if err != nil {
					t.Errorf("append: %v", err)
					return
				}
				mu.Lock()
				acked[stream] = res
				mu.Unlock()
			}
		})
	}
	time.Sleep(200 * time.Millisecond)
	if err := s.Close(); err != nil {
		t.Fatalf("close: %v", err)
	}
	wg.Wait()
	s2, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = s2.Close() }()
	for stream, res := range acked {
		evs, err := s2.ReadStream(context.Background(), stream, eventstore.ReadStreamOptions{FromEnd: true, Backwards: true, Limit: 1})
		if err != nil || evs[0].Revision != res.Revision || evs[0].Position != res.Position {
			t.Fatalf("%s: last acknowledged %+v, stored %+v (%v)", stream, res, evs, err)
		}
	}
	if len(acked) == 0 {
		t.Fatal("no append was acknowledged before Close")
	}
}

func TestAfterPosition(t *testing.T) {
	for _, tc := range []struct {
		p    eventstore.Position
		want int64
	}{
		{eventstore.Start, 0},
		{eventstore.Position{Commit: 7, Prepare: 7}, 7},
		{eventstore.Position{Commit: 7, Prepare: 3}, 6}, // (7,7) comes after (7,3)
		{eventstore.Position{Commit: 7, Prepare: 9}, 7},
		{eventstore.Position{Commit: 1 << 63, Prepare: 1 << 63}, 1<<63 - 1},
	} {
		if got := afterRowid(tc.p); got != tc.want {
			t.Errorf("afterRowid(%v) = %d, want %d", tc.p, got, tc.want)
		}
	}
}

func TestPathsWithSpacesAndSwedishLetters(t *testing.T) {
	path := filepath.Join(t.TempDir(), "skol data", "år 2026 ?#", "events.db")
	s, err := Open(path)
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	if _, err := s.Append(context.Background(), "s", eventstore.NoStream(), event(`{}`)); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("the database is not at the path given: %v", err)
	}
}

func TestAFileFromANewerSchemaIsRefused(t *testing.T) {
	s, path := openTest(t)
	if err := s.onWriter(context.Background(), func(w *writer) error {
		_, err := w.conn.ExecContext(w.ctx, `PRAGMA user_version = 99`)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if s2, err := Open(path); err == nil {
		_ = s2.Close()
		t.Fatal("opened a file with schema version 99")
	}
}

func TestSubscriptionSeesAnotherProcesssAppendsByPolling(t *testing.T) {
	s1, path := openTest(t)
	s2, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = s2.Close() }()
	ctx, cancel := context.WithTimeout(context.Background(), 3*pollInterval)
	defer cancel()
	got := make(chan eventstore.RecordedEvent, 1)
	go func() {
		for ev, err := range s1.Subscribe(ctx, eventstore.Start) {
			if err == nil {
				got <- ev
			}
			return
		}
	}()
	time.Sleep(50 * time.Millisecond) // let the subscription go live and wait
	sent := event(`{"from":"elsewhere"}`)
	if _, err := s2.Append(ctx, "s", eventstore.NoStream(), sent); err != nil {
		t.Fatal(err)
	}
	select {
	case ev := <-got:
		if ev.ID != sent.ID {
			t.Fatalf("got %s, want %s", ev.ID, sent.ID)
		}
	case <-ctx.Done():
		t.Fatal("an append through another store on the file never reached the subscription")
	}
}
