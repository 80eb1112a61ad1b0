package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/iup-platform/iup/domain"
	"github.com/iup-platform/iup/domain/assessment"
	"github.com/iup-platform/iup/eventstore"
	"github.com/iup-platform/iup/eventstore/sqlite"
)

// A backup taken while the service runs and writers keep appending holds
// every event acknowledged before it started, restores into an empty
// folder, and the restored store passes the full verify.
func TestBackupWhileWritingRestoresAndVerifies(t *testing.T) {
	m := startMain(t)
	ctx := context.Background()
	codec, keys, err := openCodec(m.Config)
	if err != nil {
		t.Fatal(err)
	}
	defer keys.Close()
	log := eventstore.NewDomainLog(m.store, codec)

	var (
		mu    sync.Mutex
		acked = map[string]bool{} // stream@version of every acknowledged append
		stop  = make(chan struct{})
		wg    sync.WaitGroup
		errs  = make(chan error, 4)
	)
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			teacher := domain.Meta{Actor: domain.Actor{Tenant: "kommun", ID: fmt.Sprintf("t%d", w), Role: domain.RoleTeacher}}
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				stream := assessment.EntryStream("kommun", fmt.Sprintf("r%d", w), fmt.Sprintf("s%d", i%5))
				version := domain.Version(i/5 - 1)
				teacher.Now = time.Now()
				app, err := log.Append(ctx, stream, version, teacher, []domain.Event{assessment.EntryCommentSet{
					RoundID: fmt.Sprintf("r%d", w), StudentID: fmt.Sprintf("s%d", i%5), Comment: fmt.Sprintf("Omdöme %d", i)}})
				if err != nil {
					errs <- err
					return
				}
				mu.Lock()
				acked[fmt.Sprintf("%s@%d", stream, app.Version)] = true
				mu.Unlock()
			}
		}()
	}
	time.Sleep(300 * time.Millisecond) // some history before the backup
	mu.Lock()
	before := make(map[string]bool, len(acked))
	for k := range acked {
		before[k] = true
	}
	mu.Unlock()

	file := filepath.Join(t.TempDir(), "iup.backup")
	var out strings.Builder
	if err := backupCommand(ctx, []string{"--data-dir", m.Config.DataDir, "--out", file}, &out, io.Discard); err != nil {
		t.Fatalf("backup: %v", err)
	}
	time.Sleep(100 * time.Millisecond) // writes go on after the backup
	close(stop)
	wg.Wait()
	select {
	case err := <-errs:
		t.Fatalf("a writer failed: %v", err)
	default:
	}
	if len(before) == 0 {
		t.Fatal("no write was acknowledged before the backup")
	}
	if !strings.Contains(out.String(), "the master key is not in the backup") {
		t.Fatalf("backup output = %q", out.String())
	}
	if b, err := os.ReadFile(file); err != nil || strings.Contains(string(b), mustRead(t, m.Config.MasterKeyFile)) {
		t.Fatalf("the backup holds the master key (or is unreadable: %v)", err)
	}

	// The operator restores into an empty folder, then puts the master key
	// (kept elsewhere) back.
	restored := filepath.Join(t.TempDir(), "data")
	out.Reset()
	if err := restoreCommand(ctx, []string{"--data-dir", restored, "--from", file}, &out, io.Discard); err != nil {
		t.Fatalf("restore: %v", err)
	}
	if !strings.Contains(out.String(), "no master key at") {
		t.Fatalf("restore did not say the master key is missing: %q", out.String())
	}
	if err := os.WriteFile(filepath.Join(restored, "master.key"), []byte(mustRead(t, m.Config.MasterKeyFile)), 0o600); err != nil {
		t.Fatal(err)
	}

	s, err := sqlite.Open(filepath.Join(restored, "events.db"))
	if err != nil {
		t.Fatal(err)
	}
	all, err := s.ReadAll(ctx, eventstore.Start, 1_000_000)
	s.Close()
	if err != nil {
		t.Fatal(err)
	}
	have := map[string]bool{}
	for _, e := range all {
		have[fmt.Sprintf("%s@%d", e.Stream, e.Revision)] = true
	}
	for k := range before {
		if !have[k] {
			t.Errorf("acknowledged before the backup, missing from it: %s", k)
		}
	}
	var vout strings.Builder
	if err := verifyCommand(ctx, []string{"--data-dir", restored}, &vout, io.Discard); err != nil {
		t.Fatalf("verify of the restored store: %v\n%s", err, vout.String())
	}
	if !strings.Contains(vout.String(), "(0 culled)") {
		t.Fatalf("restored events read as culled: their keys are missing:\n%s", vout.String())
	}
	t.Logf("%d appends acknowledged before the backup, %d events in it", len(before), len(all))

	// A second restore into the now non-empty folder is refused, and goes
	// through with --force.
	if err := restoreCommand(ctx, []string{"--data-dir", restored, "--from", file}, io.Discard, io.Discard); err == nil || !strings.Contains(err.Error(), "not empty") {
		t.Fatalf("restore over a store: %v", err)
	}
	out.Reset()
	if err := restoreCommand(ctx, []string{"--data-dir", restored, "--from", file, "--force"}, &out, io.Discard); err != nil ||
		!strings.Contains(out.String(), "the master key opens the restored data keys") {
		t.Fatalf("restore --force: %v %q", err, out.String())
	}
}

// A damaged backup, or one restored with the wrong master key, is refused
// with a reason.
func TestRestoreRefusesDamageAndTheWrongKey(t *testing.T) {
	dir, _ := sampleDir(t)
	ctx := context.Background()
	file := filepath.Join(t.TempDir(), "iup.backup")
	if err := backupCommand(ctx, []string{"--data-dir", dir, "--out", file}, io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	damaged := filepath.Join(t.TempDir(), "damaged.backup")
	bad := append([]byte(nil), b...)
	bad[len(bad)/2] ^= 0xff // somewhere inside events.db
	if err := os.WriteFile(damaged, bad, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := restoreCommand(ctx, []string{"--data-dir", t.TempDir(), "--from", damaged}, io.Discard, io.Discard); err == nil || !strings.Contains(err.Error(), "damaged") {
		t.Fatalf("restore of a damaged backup: %v", err)
	}

	wrong := t.TempDir()
	if err := os.WriteFile(filepath.Join(wrong, "master.key"), []byte(strings.Repeat("ab", 32)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := restoreCommand(ctx, []string{"--data-dir", wrong, "--from", file}, io.Discard, io.Discard); err == nil || !strings.Contains(err.Error(), "does not open the restored data keys") {
		t.Fatalf("restore with the wrong master key: %v", err)
	}
}

func mustRead(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(b))
}
