package main

import (
	"testing"
	"time"
)

// SIGKILL of `iupd serve` under keyed writes, then a restart on the same
// data folder: every acknowledged write is stored once, the clients that
// retried what was cut off with the same Idempotency-Key made no
// duplicate, and the live views equal a clean rebuild.
func TestFaultKillServeUnderLoad(t *testing.T) {
	total, every := faultPlan(t, 6*time.Second, 2)
	s := startServed(t, t.TempDir())
	token := mintToken(t, s.dir, "--sub", "admin1", "--tenant", faultTenant, "--role", "admin")
	w := startKeyedWriters(t, 4, token, func() string { return "http://" + s.addr })

	start := time.Now()
	kills := 0
	for time.Since(start)+every <= total {
		time.Sleep(every)
		before := w.count()
		m := s.mem() // each life's last: the same bounded data, so it should not climb
		if kills == 0 {
			keepHeap(t, s.adminAddr, "serve-start")
		}
		s.kill()
		kills++
		s.start()
		t.Logf("kill %d at %s: %d writes acknowledged before it, serve was at %s", kills, time.Since(start).Round(time.Second), before, m)
	}
	eventually(t, 30*time.Second, "writes after the last restart", func() bool { return w.count() > 0 })
	time.Sleep(every / 2)
	end := s.mem()
	keepHeap(t, s.adminAddr, "serve-end")
	acked := w.finish()
	if kills == 0 || acked.total() == 0 {
		t.Fatalf("%d kills, %d acknowledged writes: the test proved nothing", kills, acked.total())
	}
	checkAcknowledged(t, openEvents(t, s.dir), acked)
	out := verifyLiveViews(t, s.dir, s.adminAddr)
	t.Logf("%d kills, %d writes acknowledged (%d registrations, %d renames), %d retries, unanswered or failed by status %v; serve at the end %s; verify:\n%s",
		kills, acked.total(), len(acked.registered), len(acked.renamed), w.retries.Load(), w.status, end, out)
}
