package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/iup-platform/iup/eventstore"
)

// Benchmarks run only with -bench:
//
//	go test -run XXX -bench . ./eventstore/sqlite/
//
// IUP_BENCH_DIR names the directory (on the data folder's filesystem) the
// databases go to; the default is a temporary directory.

const benchPayload = `{"assessment":"a-1","student":"s-1","level":2,"comment":"Eleven visar goda kunskaper i ämnet och resonerar utvecklat om orsaker och konsekvenser. Ämneslärare Åsa Öberg"}`

func benchDir(b *testing.B) string {
	b.Helper()
	base := os.Getenv("IUP_BENCH_DIR")
	if base == "" {
		return b.TempDir()
	}
	dir, err := os.MkdirTemp(base, "bench-")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = os.RemoveAll(dir) })
	return dir
}

func benchEvent() eventstore.EventData {
	return eventstore.EventData{ID: eventstore.NewEventID(), Type: "assessment.entry-level-set", SchemaVersion: 1,
		Data: []byte(benchPayload), Metadata: eventstore.Metadata{Tenant: "huvudman-1", ActorID: "person-42", ActorRole: "teacher",
			CorrelationID: "0192f0c4-7d1e-7a55-b3a4-6f1f0e2c9a10", RequestID: "req-1"}}
}

func perSecond(b *testing.B, n int) {
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "events/s")
}

// BenchmarkFsync measures the filesystem: one 4 KiB write plus fsync per op.
func BenchmarkFsync(b *testing.B) {
	f, err := os.Create(filepath.Join(benchDir(b), "fsync"))
	if err != nil {
		b.Fatal(err)
	}
	defer func() { _ = f.Close() }()
	block := make([]byte, 4096)
	for b.Loop() {
		if _, err := f.WriteAt(block, 0); err != nil {
			b.Fatal(err)
		}
		if err := f.Sync(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAppend: W writers, each appending one event at a time to its own
// stream with an exact expectation, as the command handler does.
func BenchmarkAppend(b *testing.B) {
	for _, writers := range []int{1, 8, 64} {
		b.Run(fmt.Sprintf("writers=%d", writers), func(b *testing.B) {
			s, err := Open(filepath.Join(benchDir(b), "events.db"))
			if err != nil {
				b.Fatal(err)
			}
			defer func() { _ = s.Close() }()
			var left atomic.Int64
			left.Store(int64(b.N))
			before := s.Stats()
			b.ResetTimer()
			var wg sync.WaitGroup
			for w := range writers {
				wg.Go(func() {
					stream := fmt.Sprintf("assessment-%d", w)
					exp := eventstore.NoStream()
					for left.Add(-1) >= 0 {
						res, err := s.Append(context.Background(), stream, exp, benchEvent())
						if err != nil {
							b.Error(err)
							return
						}
						exp = eventstore.Exact(res.Revision)
					}
				})
			}
			wg.Wait()
			b.StopTimer()
			st := s.Stats()
			perSecond(b, b.N)
			b.ReportMetric(float64(st.Events-before.Events)/float64(st.Commits-before.Commits), "events/fsync")
		})
	}
}

// BenchmarkBaselineInsert is plain SQLite with the same pragmas inserting
// the same rows as BenchmarkAppend with 64 writers (round robin over 64
// streams, so the (stream, revision) index sees the same spread), with no
// store around it: one row per transaction, and 64. The variant with one
// stream shows what the index spread of 64 streams costs SQLite itself.
func BenchmarkBaselineInsert(b *testing.B) {
	for _, c := range []struct{ perTx, streams int }{{1, 64}, {64, 64}, {64, 1}} {
		perTx := c.perTx
		b.Run(fmt.Sprintf("rows_per_tx=%d/streams=%d", c.perTx, c.streams), func(b *testing.B) {
			db := plainDB(b, filepath.Join(benchDir(b), "plain.db"))
			stmt, err := db.Prepare(`INSERT INTO events (event_id, stream, revision, type, schema_version, data, metadata, recorded_at, append_first, append_last, chain)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0, 0, ?)`)
			if err != nil {
				b.Fatal(err)
			}
			ev := benchEvent()
			// The same bytes the store writes, hashes included; only the
			// hashing itself is left out of the baseline.
			hash := strings.Repeat("3f", 32)
			md := `{"tenant":"huvudman-1","actor_id":"person-42","actor_role":"teacher","correlation_id":"0192f0c4-7d1e-7a55-b3a4-6f1f0e2c9a10","request_id":"req-1","recorded_at":"2026-03-09T07:15:30.123456789Z","content_hash":"` + hash + `","prev_hash":"` + hash + `"}`
			b.ResetTimer()
			for i := 0; i < b.N; {
				tx, err := db.Begin()
				if err != nil {
					b.Fatal(err)
				}
				txStmt := tx.Stmt(stmt)
				for j := 0; j < perTx && i < b.N; j, i = j+1, i+1 {
					id := eventstore.NewEventID()
					stream := "assessment-" + strconv.Itoa(i%c.streams)
					if _, err := txStmt.Exec(id[:], stream, i/c.streams, ev.Type, 1, ev.Data, md, time.Now().UnixNano(), hash); err != nil {
						b.Fatal(err)
					}
				}
				if err := tx.Commit(); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			perSecond(b, b.N)
		})
	}
}

// plainDB opens SQLite with the store's pragmas and schema, minus the store.
func plainDB(b *testing.B, path string) *sql.DB {
	b.Helper()
	db, err := sql.Open("sqlite", dsn(path, true, nil))
	if err != nil {
		b.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	b.Cleanup(func() { _ = db.Close() })
	if _, err := db.Exec(schema); err != nil {
		b.Fatal(err)
	}
	if _, err := db.Exec(`PRAGMA foreign_keys = OFF`); err != nil { // the baseline has no streams rows
		b.Fatal(err)
	}
	return db
}

const readEvents = 20000

// filledStore is a store with readEvents events in 200 streams of 100, plus
// one stream of 1,000 for ReadStream.
func filledStore(b *testing.B) *Store {
	b.Helper()
	s, err := Open(filepath.Join(benchDir(b), "events.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = s.Close() })
	ctx := context.Background()
	for i := range readEvents / 100 {
		evs := make([]eventstore.EventData, 100)
		for j := range evs {
			evs[j] = benchEvent()
		}
		if _, err := s.Append(ctx, fmt.Sprintf("assessment-%d", i), eventstore.NoStream(), evs...); err != nil {
			b.Fatal(err)
		}
	}
	evs := make([]eventstore.EventData, 1000)
	for j := range evs {
		evs[j] = benchEvent()
	}
	if _, err := s.Append(ctx, "plan-long", eventstore.NoStream(), evs...); err != nil {
		b.Fatal(err)
	}
	return s
}

// BenchmarkRead: ReadAll of the whole log in pages of 1,000, the same rows
// through a plain SELECT scan, ReadStream of a 1,000-event stream (without
// and with the stream cache), and a 10-event stream read again.
func BenchmarkRead(b *testing.B) {
	s := filledStore(b)
	ctx := context.Background()
	b.Run("ReadAll", func(b *testing.B) {
		n := 0
		for b.Loop() {
			after := eventstore.Start
			for {
				page, err := s.ReadAll(ctx, after, 1000)
				if err != nil {
					b.Fatal(err)
				}
				if len(page) == 0 {
					break
				}
				n += len(page)
				after = page[len(page)-1].Position
			}
		}
		perSecond(b, n)
	})
	b.Run("PlainScan", func(b *testing.B) {
		n := 0
		for b.Loop() {
			rows, err := s.reader.QueryContext(ctx, `SELECT `+eventColumns+` FROM events ORDER BY position`)
			if err != nil {
				b.Fatal(err)
			}
			var (
				pos, rev, sv, at int64
				id, data, md     []byte
				stream, evType   string
			)
			for rows.Next() {
				if err := rows.Scan(&pos, &id, &stream, &rev, &evType, &sv, &data, &md, &at); err != nil {
					b.Fatal(err)
				}
				n++
			}
			if err := rows.Close(); err != nil {
				b.Fatal(err)
			}
		}
		perSecond(b, n)
	})
	// Without the stream cache: every read decodes the rows from SQLite, as
	// the first read of a stream does.
	b.Run("ReadStream1000Uncached", func(b *testing.B) {
		cache := s.cache
		s.cache = newStreamCache(0, false)
		defer func() { s.cache = cache }()
		n := 0
		for b.Loop() {
			evs, err := s.ReadStream(ctx, "plan-long", eventstore.ReadStreamOptions{})
			if err != nil || len(evs) != 1000 {
				b.Fatalf("read %d events: %v", len(evs), err)
			}
			n += len(evs)
		}
		perSecond(b, n)
	})
	// A command's fold: a short stream read again (the second read of an
	// entry in one command, the course and round of every entry command).
	b.Run("ReadStream10Again", func(b *testing.B) {
		evs := make([]eventstore.EventData, 10)
		for j := range evs {
			evs[j] = benchEvent()
		}
		if _, err := s.Append(ctx, "entry-10", eventstore.NoStream(), evs...); err != nil {
			b.Fatal(err)
		}
		n := 0
		for b.Loop() {
			// 512: the page eventstore.DomainLog reads a stream in.
			evs, err := s.ReadStream(ctx, "entry-10", eventstore.ReadStreamOptions{Limit: 512})
			if err != nil || len(evs) != 10 {
				b.Fatalf("read %d events: %v", len(evs), err)
			}
			n += len(evs)
		}
		perSecond(b, n)
	})
	b.Run("ReadStream1000", func(b *testing.B) {
		n := 0
		for b.Loop() {
			evs, err := s.ReadStream(ctx, "plan-long", eventstore.ReadStreamOptions{})
			if err != nil || len(evs) != 1000 {
				b.Fatalf("read %d events: %v", len(evs), err)
			}
			n += len(evs)
		}
		perSecond(b, n)
	})
}
