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
	rss := []int{}
	for time.Since(start)+every <= total {
		time.Sleep(every)
		before := w.count()
		rss = append(rss, rssKB(s.cmd.Process.Pid))
		s.kill()
		kills++
		s.start()
		t.Logf("kill %d at %s: %d writes acknowledged before it, serve RSS was %d kB", kills, time.Since(start).Round(time.Second), before, rss[len(rss)-1])
	}
	eventually(t, 30*time.Second, "writes after the last restart", func() bool { return w.count() > 0 })
	time.Sleep(every / 2)
	acked := w.finish()
	if kills == 0 || len(acked) == 0 {
		t.Fatalf("%d kills, %d acknowledged writes: the test proved nothing", kills, len(acked))
	}
	checkAcknowledged(t, openEvents(t, s.dir), acked)
	out := verifyLiveViews(t, s.dir, s.adminAddr)
	t.Logf("%d kills, %d writes acknowledged, %d retries, unanswered or failed by status %v; verify:\n%s",
		kills, len(acked), w.retries.Load(), w.status, out)
}
