package main

import (
	"context"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/iup-platform/iup/projections/bus"
	"github.com/iup-platform/iup/projections/redistest"
	"github.com/iup-platform/iup/projections/views"
)

const testLeaseTTL = 3 * time.Second

// Two projectors, two API processes, the protocol server and Redis, each a
// process. The projector holding the leases is killed mid-run; the other
// takes every view over within the lease, and the views end equal to a
// clean rebuild.
func TestProjectorTakeoverAfterKill(t *testing.T) {
	c := newCluster(t)
	ctx := context.Background()
	ttl := "--lease-ttl=" + testLeaseTTL.String()
	p1 := c.start("p1", "project", ttl)
	eventually(t, 10*time.Second, "p1 holds every lease", func() bool { return allHeldBy(c.holders(ctx), "p1") })
	p2 := c.start("p2", "project", ttl)
	api1 := c.start("api1", "api")
	api2 := c.start("api2", "api")
	w := c.startWriting(api1, api2)
	w.waitFor(60)

	if err := p1.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	killed := time.Now()
	eventually(t, 60*time.Second, "p2 takes over every lease", func() bool { return allHeldBy(c.holders(ctx), "p2") })
	took := time.Since(killed)
	t.Logf("takeover after SIGKILL: %s (lease ttl %s)", took.Round(time.Millisecond), testLeaseTTL)
	if took > 60*time.Second {
		t.Fatalf("takeover took %s", took)
	}
	w.waitFor(w.n.Load() + 60)
	w.finish()
	t.Logf("%d students written through two API processes", w.n.Load())
	c.converged(ctx)
	if v := metric(t, p2, `iup_projector_lease_acquired_total{lease="audit"}`); v != "1" {
		t.Errorf("p2 acquired the audit lease %q times, want 1", v)
	}
	// The forwarder that took over trims the stream behind every group:
	// only the last entry, the forwarder's checkpoint, stays.
	rdb := redistest.Client(t)
	eventually(t, 30*time.Second, "the stream trimmed behind every consumer group", func() bool {
		n, err := rdb.XLen(ctx, c.prefix+bus.Topic).Result()
		return err == nil && n == 1
	})
	if v := metric(t, p2, "iup_bus_stream_trimmed_total"); v == "" || v == "0" {
		t.Errorf("p2 trimmed %q entries", v)
	}
}

// The lease holder is stopped (SIGSTOP) in the middle of a long write (an
// operator's rebuild) and stays stopped past its lease; the other projector
// takes over; the first resumes, still inside its rebuild, and its next
// write is refused by the fence in Redis.
func TestPausedProjectorIsFencedOff(t *testing.T) {
	c := newCluster(t)
	ctx := context.Background()
	ttl := "--lease-ttl=" + testLeaseTTL.String()
	// One event per write makes the rebuild long enough to pause in.
	p1 := c.start("p1", "project", ttl, "--projection-batch=1")
	eventually(t, 10*time.Second, "p1 holds every lease", func() bool { return allHeldBy(c.holders(ctx), "p1") })
	p2 := c.start("p2", "project", ttl)
	api1 := c.start("api1", "api")
	api2 := c.start("api2", "api")
	w := c.startWriting(api1, api2)
	w.waitFor(300)

	var answer chan int
	for attempt := 0; ; attempt++ {
		if attempt == 5 {
			t.Fatal("every rebuild finished before it could be paused")
		}
		answer = make(chan int, 1)
		go func() {
			resp, err := http.Post("http://"+p1.adm+"/admin/projections/audit/rebuild", "", nil)
			if err != nil {
				answer <- 0
				return
			}
			resp.Body.Close()
			answer <- resp.StatusCode
		}()
		eventually(t, 10*time.Second, "rebuild started", func() bool {
			return strings.Contains(p1.log.String(), "rebuild started") && strings.Count(p1.log.String(), "rebuild started") > attempt+len(views.All())
		})
		time.Sleep(30 * time.Millisecond)
		if err := p1.cmd.Process.Signal(syscall.SIGSTOP); err != nil {
			t.Fatal(err)
		}
		select {
		case code := <-answer:
			// Finished before the pause: try again with a longer log.
			t.Logf("attempt %d: rebuild answered %d before the pause", attempt, code)
			_ = p1.cmd.Process.Signal(syscall.SIGCONT)
			w.waitFor(w.n.Load() + 200)
			continue
		case <-time.After(100 * time.Millisecond):
		}
		break
	}
	paused := time.Now()
	eventually(t, 60*time.Second, "p2 takes over every lease", func() bool { return allHeldBy(c.holders(ctx), "p2") })
	t.Logf("takeover from the paused holder: %s (lease ttl %s)", time.Since(paused).Round(time.Millisecond), testLeaseTTL)
	if err := p1.cmd.Process.Signal(syscall.SIGCONT); err != nil {
		t.Fatal(err)
	}
	select {
	case code := <-answer:
		if code != http.StatusInternalServerError {
			t.Fatalf("the paused holder's rebuild answered %d, want 500 (fenced off)", code)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the paused holder's rebuild never ended")
	}
	if v := metric(t, p1, `iup_projector_fenced_total{lease="audit"}`); v != "1" {
		t.Fatalf("p1's fenced writes on audit = %q, want 1\n%s", v, tail(p1.log.String(), 20))
	}
	if !strings.Contains(p1.log.String(), "write refused: fenced off by a newer lease") {
		t.Fatal("p1 did not log the refused write")
	}
	w.waitFor(w.n.Load() + 60)
	w.finish()
	c.converged(ctx)
	if !allHeldBy(c.holders(ctx), "p2") {
		t.Fatalf("after the run the leases are held by %v", c.holders(ctx))
	}
	_ = p2
}
