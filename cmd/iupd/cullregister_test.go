package main

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/iup-platform/iup/domain/retention"
	"github.com/iup-platform/iup/eventstore"
	"github.com/iup-platform/iup/eventstore/shred"
	"github.com/iup-platform/iup/eventstore/sqlite"
)

// A backup taken before a culling, restored after it, must not bring the
// culled texts back: restore destroys again every key the cull register
// beside the master key lists.
func TestRestoreReappliesCullingsDoneAfterTheBackup(t *testing.T) {
	w := newPrivacyWorld(t)
	ctx := context.Background()
	file := filepath.Join(t.TempDir(), "before-culling.tar")
	if err := backupCommand(ctx, []string{"--data-dir", w.dir, "--out", file}, io.Discard, io.Discard); err != nil {
		t.Fatalf("backup: %v", err)
	}
	c, err := newCuller(w.store, w.codec, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	if n, err := c.run(ctx, time.Date(2030, 6, 17, 3, 0, 0, 0, time.UTC)); err != nil || n != 1 {
		t.Fatalf("culled %d (%v), want the one student who left", n, err)
	}
	register := filepath.Join(w.dir, cullRegisterName)
	entries, err := readCullRegister(register)
	if err != nil || len(entries) < 3 {
		t.Fatalf("cull register: %d entries, %v; want the identity, plans and more", len(entries), err)
	}
	for _, e := range entries {
		if e.Tenant != tenant || !strings.HasPrefix(e.Subject, w.victim) || e.Rule == "" {
			t.Errorf("register entry %+v: want the victim's subjects with their rule", e)
		}
	}
	reg, _ := os.ReadFile(register)
	for _, s := range w.secrets {
		if strings.Contains(string(reg), s) {
			t.Errorf("the register holds personal text %q", s)
		}
	}

	// Without the register the backup's keys open the victim's texts: the
	// check below can fail.
	plain := restoreWith(t, file, w.dir, false)
	if n := victimKeys(t, plain, w.victim, nil); n == 0 {
		t.Fatal("the backup holds none of the victim's keys: the test could not fail")
	}
	// With it, every one of them is destroyed again.
	restored := restoreWith(t, file, w.dir, true)
	if n := victimKeys(t, restored, w.victim, shred.ErrDestroyed); n < len(entries) {
		t.Fatalf("%d of the victim's keys destroyed after restore, want %d", n, len(entries))
	}
	// Every event of the victim's streams decodes as culled, and the full
	// verify passes on the restored store.
	codec, keys, err := openVerifyCodec(restored, "")
	if err != nil {
		t.Fatal(err)
	}
	defer keys.Close()
	s, err := sqlite.Open(filepath.Join(restored, "events.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	sealed := 0
	if err := scanLog(ctx, s, func(rec eventstore.RecordedEvent) error {
		// A guardian's own stream carries the student's id but its own key.
		if !strings.Contains(rec.Stream, w.victim) || strings.Contains(rec.Stream, "guardian") || !strings.Contains(string(rec.Data), `"_sealed"`) {
			return nil
		}
		sealed++
		if _, culled, err := codec.Decode(ctx, rec); err != nil || !culled {
			t.Errorf("%s@%d (%s) after restore: culled=%v err=%v", rec.Stream, rec.Revision, rec.Type, culled, err)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if sealed == 0 {
		t.Fatal("no sealed event of the victim found")
	}
	var out strings.Builder
	if err := verifyCommand(ctx, []string{"--data-dir", restored}, &out, io.Discard); err != nil {
		t.Fatalf("verify after restore: %v\n%s", err, out.String())
	}
}

// restoreWith restores file into a new folder holding the master key of
// from, and its cull register when withRegister is set.
func restoreWith(t *testing.T, file, from string, withRegister bool) string {
	t.Helper()
	dir := t.TempDir()
	names := []string{"master.key"}
	if withRegister {
		names = append(names, cullRegisterName)
	}
	for _, name := range names {
		b, err := os.ReadFile(filepath.Join(from, name))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	var out strings.Builder
	if err := restoreCommand(context.Background(), []string{"--data-dir", dir, "--from", file}, &out, io.Discard); err != nil {
		t.Fatalf("restore: %v\n%s", err, out.String())
	}
	if withRegister && !strings.Contains(out.String(), "re-applied") {
		t.Fatalf("restore output = %q", out.String())
	}
	return dir
}

// victimKeys counts the victim's keys in dir's key store that load with
// want (nil: a usable key).
func victimKeys(t *testing.T, dir, victim string, want error) int {
	t.Helper()
	ks, err := shred.OpenSQLiteKeyStore(filepath.Join(dir, "keys.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer ks.Close()
	n := 0
	for _, d := range append(retention.DocTypes, retention.Identity) {
		_, err := ks.Load(context.Background(), tenant, retention.KeySubject(victim, d))
		if errors.Is(err, shred.ErrNoKey) {
			continue
		}
		if errors.Is(err, want) || err == nil && want == nil {
			n++
		}
	}
	return n
}

// A torn last line (a crash while appending) is skipped; damage before the
// end is refused, so a restore never silently skips a culling.
func TestCullRegisterReadsATornTailButRefusesDamage(t *testing.T) {
	dir := t.TempDir()
	r := withCullRegister(nil, filepath.Join(dir, "master.key"))
	for _, s := range []string{"s1", "s1/plan"} {
		if err := r.append(cullEntry{Tenant: "k", Subject: s, At: time.Now(), Rule: "plan: 24 months"}); err != nil {
			t.Fatal(err)
		}
	}
	path := cullRegisterPath(filepath.Join(dir, "master.key"))
	f, _ := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	_, _ = f.WriteString(`{"tenant":"k","subj`)
	f.Close()
	if got, err := readCullRegister(path); err != nil || len(got) != 2 {
		t.Fatalf("torn tail: %d entries, %v", len(got), err)
	}
	b, _ := os.ReadFile(path)
	if err := os.WriteFile(path, append([]byte("garbage\n"), b...), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := readCullRegister(path); err == nil {
		t.Fatal("a damaged line before the end was accepted")
	}
	if got, err := readCullRegister(filepath.Join(dir, "none")); err != nil || got != nil {
		t.Fatalf("missing register: %v %v", got, err)
	}
}
