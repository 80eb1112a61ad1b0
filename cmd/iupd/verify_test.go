package main

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/iup-platform/iup/eventstore"
	"github.com/iup-platform/iup/eventstore/sqlite"
)

// history writes a small log to a new data folder: three streams, eight
// events, and returns the folder and the stored events in global order.
func history(t *testing.T) (string, []eventstore.RecordedEvent) {
	t.Helper()
	dir := t.TempDir()
	s, err := sqlite.Open(filepath.Join(dir, "events.db"))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for i, stream := range []string{"plan-t.a", "entry-t.b", "plan-t.a", "entry-t.c", "plan-t.a", "entry-t.b", "entry-t.c", "plan-t.a"} {
		ev := eventstore.EventData{ID: eventstore.NewEventID(), Type: "test.changed", SchemaVersion: 1,
			Data: fmt.Appendf(nil, `{"i":%d,"text":"Läser ännu bättre"}`, i), Metadata: eventstore.Metadata{Tenant: "t", ActorID: "u"}}
		if _, err := s.Append(ctx, stream, eventstore.Any(), ev); err != nil {
			t.Fatal(err)
		}
	}
	all, err := s.ReadAll(ctx, eventstore.Start, 100)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	return dir, all
}

// tamper changes the stored file behind the store's back.
func tamper(t *testing.T, dir string, statements ...string) {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, "events.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, q := range statements {
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
}

func runVerify(t *testing.T, dir string, extra ...string) (string, error) {
	t.Helper()
	var out strings.Builder
	err := verifyCommand(context.Background(), append([]string{"--chain", "--data-dir", dir}, extra...), &out, io.Discard)
	return out.String(), err
}

func TestVerifyChainDetectsAndNamesTampering(t *testing.T) {
	t.Run("an intact history verifies", func(t *testing.T) {
		dir, all := history(t)
		out, err := runVerify(t, dir)
		if err != nil || !strings.Contains(out, fmt.Sprintf("chain intact: %d events", len(all))) {
			t.Fatalf("verify = %q, %v", out, err)
		}
	})
	t.Run("one changed byte of one event is found and named", func(t *testing.T) {
		dir, all := history(t)
		victim := all[3]
		tamper(t, dir, fmt.Sprintf(`UPDATE events SET data = replace(data, 'bättre', 'sämre') WHERE position = %d`, victim.Position.Commit))
		out, err := runVerify(t, dir)
		if err == nil || !strings.Contains(out, victim.ID.String()) || !strings.Contains(out, "modified") {
			t.Fatalf("verify = %q, %v", out, err)
		}
	})
	t.Run("a deleted event is found and named by its successor", func(t *testing.T) {
		dir, all := history(t)
		victim := all[2] // plan-t.a revision 1
		tamper(t, dir, fmt.Sprintf(`DELETE FROM events WHERE position = %d`, victim.Position.Commit))
		out, err := runVerify(t, dir)
		next := all[4] // plan-t.a revision 2 now follows revision 0
		if err == nil || !strings.Contains(out, next.ID.String()) || !strings.Contains(out, "removed") {
			t.Fatalf("verify = %q, %v", out, err)
		}
	})
	t.Run("two swapped events are found and named", func(t *testing.T) {
		dir, all := history(t)
		x, y := all[2], all[4] // revisions 1 and 2 of plan-t.a trade places in the log
		tamper(t, dir,
			fmt.Sprintf(`UPDATE events SET position = -1 WHERE position = %d`, x.Position.Commit),
			fmt.Sprintf(`UPDATE events SET position = %d WHERE position = %d`, x.Position.Commit, y.Position.Commit),
			fmt.Sprintf(`UPDATE events SET position = %d WHERE position = -1`, y.Position.Commit))
		out, err := runVerify(t, dir)
		if err == nil || !strings.Contains(out, y.ID.String()) || !strings.Contains(out, "reordered") {
			t.Fatalf("verify = %q, %v", out, err)
		}
	})
	t.Run("an exported digest proves the history later, and catches a rewrite", func(t *testing.T) {
		dir, all := history(t)
		var digest strings.Builder
		if err := digestCommand(context.Background(), []string{"--data-dir", dir}, &digest, io.Discard); err != nil {
			t.Fatal(err)
		}
		file := filepath.Join(t.TempDir(), "digest.json")
		if err := os.WriteFile(file, []byte(digest.String()), 0o600); err != nil {
			t.Fatal(err)
		}
		if out, err := runVerify(t, dir, "--against", file); err != nil {
			t.Fatalf("verify against a fresh digest = %q, %v", out, err)
		}
		// A forger rewrites an event and recomputes every hash and the chain
		// inside the file: only the digest kept elsewhere can tell.
		victim := all[1]
		forged := victim.EventData
		forged.Data = []byte(`{"i":1,"text":"Läser dåligt"}`)
		hash := eventstore.ContentHash(victim.Stream, victim.Revision, forged)
		tamper(t, dir, fmt.Sprintf(`UPDATE events SET data = '%s', metadata = json_set(metadata, '$.content_hash', '%s') WHERE position = %d`,
			forged.Data, hash, victim.Position.Commit))
		rehash(t, dir)
		out, err := runVerify(t, dir, "--against", file)
		if err == nil || !strings.Contains(out, "does not match the exported digest") {
			t.Fatalf("verify of a consistently forged history = %q, %v", out, err)
		}
	})
}

// rehash recomputes links and recorded digests in the file, as a forger
// with write access could, so that only an exported digest reveals it.
func rehash(t *testing.T, dir string) {
	t.Helper()
	s, err := sqlite.Open(filepath.Join(dir, "events.db"))
	if err != nil {
		t.Fatal(err)
	}
	all, err := s.ReadAll(context.Background(), eventstore.Start, 1000)
	s.Close()
	if err != nil {
		t.Fatal(err)
	}
	prev := map[string]string{}
	digest := ""
	var stmts []string
	for _, e := range all {
		e.Metadata.PrevHash = prev[e.Stream]
		h := eventstore.ContentHash(e.Stream, e.Revision, e.EventData)
		prev[e.Stream] = h
		digest = eventstore.ChainNext(digest, h)
		stmts = append(stmts, fmt.Sprintf(`UPDATE events SET metadata = json_set(metadata, '$.content_hash', '%s', '$.prev_hash', '%s'), chain = '%s' WHERE position = %d`,
			h, e.Metadata.PrevHash, digest, e.Position.Commit))
	}
	tamper(t, dir, stmts...)
}
