package main

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// startRedis starts a private redis-server of this test on a unix socket in
// a temporary folder, with the given extra arguments, and returns a client
// and the folder (where the append-only files go).
func startRedis(t *testing.T, args ...string) (*redis.Client, string) {
	t.Helper()
	bin := os.Getenv("IUP_REDIS_SERVER")
	if bin == "" {
		var err error
		if bin, err = exec.LookPath("redis-server"); err != nil {
			if os.Getenv("IUP_REQUIRE_REDIS") == "1" {
				t.Fatal("redis-server is not on PATH")
			}
			t.Skip("redis-server is not on PATH")
		}
	}
	dir := t.TempDir()
	sock := filepath.Join(dir, "redis.sock")
	cmd := exec.Command(bin, append([]string{"--port", "0", "--unixsocket", sock, "--dir", dir, "--save", ""}, args...)...)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	rdb := redis.NewClient(&redis.Options{Network: "unix", Addr: sock})
	t.Cleanup(func() { _ = rdb.Close() })
	eventually(t, 10*time.Second, "redis-server answers", func() bool { return rdb.Ping(context.Background()).Err() == nil })
	return rdb, dir
}

// filesHold reports whether any file under dir holds needle.
func filesHold(t *testing.T, dir string, needle []byte) bool {
	t.Helper()
	found := false
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || d.Type()&os.ModeSocket != 0 {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		found = found || bytes.Contains(b, needle)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return found
}

// After a culling the views no longer hold a student's content, but Redis's
// append-only file still does, as history, until it is rewritten.
func TestCullingRewritesRedisAppendOnlyFile(t *testing.T) {
	ctx := context.Background()
	rdb, dir := startRedis(t, "--appendonly", "yes", "--appendfsync", "always")
	name := []byte("Astrid Gallringsson")
	if err := rdb.HSet(ctx, "iup:view:home:ns1", "student:s1", `{"display_name":"`+string(name)+`"}`).Err(); err != nil {
		t.Fatal(err)
	}
	if err := rdb.Del(ctx, "iup:view:home:ns1").Err(); err != nil { // what a rebuild does to the old namespace
		t.Fatal(err)
	}
	if !filesHold(t, dir, name) {
		t.Fatal("the append-only file never held the value: the test would prove nothing")
	}
	ran, err := rewriteAOF(ctx, rdb, slog.New(slog.DiscardHandler))
	if err != nil || !ran {
		t.Fatalf("rewrite: ran=%v %v", ran, err)
	}
	if filesHold(t, dir, name) {
		t.Fatal("the culled value is still in Redis's files after the rewrite")
	}
}

func TestNoRewriteWithoutAppendOnlyFile(t *testing.T) {
	rdb, _ := startRedis(t, "--appendonly", "no")
	ran, err := rewriteAOF(context.Background(), rdb, slog.New(slog.DiscardHandler))
	if err != nil || ran {
		t.Fatalf("rewrite without an append-only file: ran=%v %v", ran, err)
	}
}
