package main

import (
	"errors"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// smallDisk mounts a tmpfs of size bytes for the test, or skips: mounting
// needs root (CI runs as root; a developer's laptop may not).
func smallDisk(t *testing.T, size string) string {
	t.Helper()
	dir := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size="+size, "tmpfs", dir).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a small filesystem (needs root): %v %s", err, out)
	}
	t.Cleanup(func() {
		// Lazy: the killed service's files may still be open a moment.
		if out, err := exec.Command("umount", "-l", dir).CombinedOutput(); err != nil {
			t.Errorf("umount %s: %v %s", dir, err, out)
		}
	})
	return dir
}

// fill writes a ballast file until the filesystem is full.
func fill(t *testing.T, path string) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil && !errors.Is(err, syscall.ENOSPC) {
		t.Fatal(err)
	}
	if f == nil {
		return
	}
	defer f.Close()
	buf := make([]byte, 64<<10)
	for {
		if _, err := f.Write(buf); err != nil {
			if !errors.Is(err, syscall.ENOSPC) {
				t.Fatal(err)
			}
			return
		}
	}
}

// The disk full under keyed writes: writes fail with a 503 problem that
// says the service is unavailable, nothing half-written is left (the full
// verify passes), and writes succeed again when space returns, without a
// restart.
func TestFaultDiskFullThenSpaceReturns(t *testing.T) {
	total, every := faultPlan(t, 6*time.Second, 1)
	size := "24m"
	if os.Getenv("IUP_SOAK") == "1" {
		size = "160m" // half an hour of history must fit
	}
	dir := smallDisk(t, size)
	data := filepath.Join(dir, "data")
	s := startServed(t, data)
	token := mintToken(t, s.dir, "--sub", "admin1", "--tenant", faultTenant, "--role", "admin")
	w := startKeyedWriters(t, 4, token, func() string { return "http://" + s.addr })
	ballast := filepath.Join(dir, "ballast")

	start := time.Now()
	var memStart mem // after the first half interval of load: warmed up
	episodes := 0
	for time.Since(start)+every <= total {
		time.Sleep(every / 2)
		if episodes == 0 {
			memStart = s.mem()
			keepHeap(t, s.adminAddr, "serve-start")
		}
		fill(t, ballast)
		episodes++
		// Once the store's free pages are used up, every write is refused.
		var body string
		eventually(t, 30*time.Second, "a 503 while the disk is full", func() bool {
			code, b := w.post("probe-full-"+time.Now().Format("150405.000000"), `{"display_name":"Prov"}`)
			body = string(b)
			return code == http.StatusServiceUnavailable
		})
		if !strings.Contains(body, `"status":503`) || !strings.Contains(body, "unavailable") {
			t.Fatalf("the 503 is not a clear problem: %s", body)
		}
		if episodes == 1 {
			t.Logf("answer while the disk is full: %s", body)
		}
		resp, err := http.Get("http://" + s.addr + "/healthz")
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("the service died on a full disk: %v %v", resp, err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		time.Sleep(every / 4)
		stalled := w.count()
		if err := os.Remove(ballast); err != nil {
			t.Fatal(err)
		}
		eventually(t, 30*time.Second, "writes again once space returns", func() bool { return w.count() > stalled+10 })
		t.Logf("episode %d at %s: writes resumed after %d acknowledged", episodes, time.Since(start).Round(time.Second), stalled)
	}
	memEnd := s.mem()
	keepHeap(t, s.adminAddr, "serve-end")
	acked := w.finish()
	if w.status[http.StatusServiceUnavailable] == 0 {
		t.Fatalf("no write met a 503: the disk was never full for the service (answers %v)", w.status)
	}
	for code, n := range w.status {
		if code >= 500 && code != http.StatusServiceUnavailable {
			t.Errorf("%d answers %d while the disk was full: want 503 only", n, code)
		}
	}
	checkAcknowledged(t, openEvents(t, s.dir), acked)
	out := verifyLiveViews(t, s.dir, s.adminAddr)
	t.Logf("%d full-disk episodes, %d writes acknowledged (%d registrations, %d renames), answers while full %v; serve at start %s, at end %s; verify:\n%s",
		episodes, acked.total(), len(acked.registered), len(acked.renamed), w.status, memStart, memEnd, out)
}
