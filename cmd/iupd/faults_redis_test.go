package main

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"

	"github.com/iup-platform/iup/domain/catalog"
	"github.com/iup-platform/iup/eventstore/kurrent"
	"github.com/iup-platform/iup/eventstore/shred"
	"github.com/iup-platform/iup/projections/bus"
	"github.com/iup-platform/iup/projections/memstore"
	"github.com/iup-platform/iup/projections/redisstore"
	"github.com/iup-platform/iup/projections/runtime"
	"github.com/iup-platform/iup/projections/views"
)

// ownRedis is a redis-server this test alone controls: stopped, flushed
// and started again on the same port. No persistence: a restart is empty.
type ownRedis struct {
	t        *testing.T
	bin, dir string
	addr     string
	cmd      *exec.Cmd
}

func startOwnRedis(t *testing.T) *ownRedis {
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
	r := &ownRedis{t: t, bin: bin, dir: t.TempDir(), addr: freeAddr(t)}
	r.start()
	t.Cleanup(r.stop)
	return r
}

func (r *ownRedis) start() {
	r.t.Helper()
	_, port, _ := net.SplitHostPort(r.addr)
	r.cmd = exec.Command(r.bin, "--port", port, "--bind", "127.0.0.1", "--dir", r.dir, "--save", "", "--appendonly", "no",
		"--logfile", filepath.Join(r.dir, "redis.log"))
	if err := r.cmd.Start(); err != nil {
		r.t.Fatal(err)
	}
	rdb := r.client()
	defer rdb.Close()
	eventually(r.t, 10*time.Second, "redis-server answers", func() bool { return rdb.Ping(context.Background()).Err() == nil })
}

// stop kills the server: what it held is gone.
func (r *ownRedis) stop() {
	if r.cmd == nil {
		return
	}
	_ = r.cmd.Process.Kill()
	_ = r.cmd.Wait()
	r.cmd = nil
}

func (r *ownRedis) client() *redis.Client { return redis.NewClient(&redis.Options{Addr: r.addr}) }

// delayProxy forwards TCP to a Redis and holds every answer back by the
// current delay: a slow Redis, as a congested network or a swapping host.
type delayProxy struct {
	ln     net.Listener
	to     string
	delay  atomic.Int64 // nanoseconds
	mu     sync.Mutex
	conns  []net.Conn
	closed bool
}

func startDelayProxy(t *testing.T, to string) *delayProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &delayProxy{ln: ln, to: to}
	go p.accept()
	t.Cleanup(p.close)
	return p
}

func (p *delayProxy) accept() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		up, err := net.Dial("tcp", p.to)
		if err != nil {
			c.Close()
			continue
		}
		p.mu.Lock()
		if p.closed {
			p.mu.Unlock()
			c.Close()
			up.Close()
			return
		}
		p.conns = append(p.conns, c, up)
		p.mu.Unlock()
		go func() { _, _ = io.Copy(up, c); up.Close() }()
		go func() {
			buf := make([]byte, 32<<10)
			for {
				n, err := up.Read(buf)
				if n > 0 {
					time.Sleep(time.Duration(p.delay.Load()))
					if _, werr := c.Write(buf[:n]); werr != nil {
						break
					}
				}
				if err != nil {
					break
				}
			}
			c.Close()
		}()
	}
}

func (p *delayProxy) close() {
	p.mu.Lock()
	p.closed = true
	for _, c := range p.conns {
		c.Close()
	}
	p.mu.Unlock()
	p.ln.Close()
}

// distributedOn starts the KurrentDB protocol server and a cluster whose
// processes reach Redis at redisAddr.
func distributedOn(t *testing.T, redisAddr string) *cluster {
	t.Helper()
	if os.Getenv("IUP_TEST_REDIS_URL") == "" {
		// newCluster needs the harness; the fault tests bring their own
		// redis-server, but follow the same switch.
		t.Skip("IUP_TEST_REDIS_URL is not set (run under .ci/with-redis)")
	}
	c := newCluster(t)
	c.redis = "redis://" + redisAddr + "/0"
	return c
}

// convergedIn proves every view in rdb reaches the log's head and equals a
// clean build from the log in memory.
func convergedIn(t *testing.T, c *cluster, rdb *redis.Client, within time.Duration) {
	t.Helper()
	ctx := context.Background()
	events, err := kurrent.Open(c.events)
	if err != nil {
		t.Fatal(err)
	}
	defer events.Close()
	head, err := events.HeadPosition(ctx)
	if err != nil {
		t.Fatal(err)
	}
	rs := redisstore.New(rdb, c.prefix)
	for _, name := range viewNames() {
		eventually(t, within, name+" caught up with the log", func() bool {
			ns, err := rs.Active(ctx, name)
			if err != nil || ns == "" {
				return false
			}
			cp, _, err := rs.Checkpoint(ctx, ns)
			return err == nil && !cp.Before(head)
		})
	}
	mk, err := shred.OpenFileMasterKey(filepath.Join(c.dataDir, "master.key"))
	if err != nil {
		t.Fatal(err)
	}
	codec := shred.NewCodec(catalog.Events, shred.NewKeyring(mk, kurrent.NewKeyStore(events)))
	clean := memstore.New()
	gc := bus.NewGoChannel(nil)
	defer gc.Close()
	rt, err := runtime.New(runtime.Config{Events: events, Codec: codec, Views: clean, Bus: gc,
		Projections: views.All(), Registerer: prometheus.NewRegistry(), Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	rctx, cancel := context.WithCancel(ctx)
	defer func() { cancel(); _ = rt.Wait() }()
	if err := rt.Start(rctx); err != nil {
		t.Fatal(err)
	}
	<-rt.Ready()
	for _, name := range viewNames() {
		got, want := dump(t, rs, name), dump(t, clean, name)
		if !maps.Equal(got, want) {
			t.Errorf("view %s in Redis (%d documents) differs from a clean build (%d documents)", name, len(got), len(want))
		}
	}
}

// lostNothing proves that every acknowledged write is in the log once and
// every view in rdb reaches the log's head and equals a clean build.
func lostNothing(t *testing.T, c *cluster, rdb *redis.Client, acked acknowledged) {
	t.Helper()
	events, err := kurrent.Open(c.events)
	if err != nil {
		t.Fatal(err)
	}
	defer events.Close()
	checkAcknowledged(t, events, acked)
	convergedIn(t, c, rdb, 60*time.Second)
}

// Redis stopped and started empty, or flushed while it runs, under keyed
// writes through the API: the projector notices the lost read models and
// rebuilds, nothing acknowledged is lost, and the views converge.
func TestFaultRedisLostUnderLoad(t *testing.T) {
	total, every := faultPlan(t, 8*time.Second, 2)
	r := startOwnRedis(t)
	c := distributedOn(t, r.addr)
	proj := c.start("projector-1", "project", "--admin-pprof")
	api := c.start("api-1", "api")
	token := mintToken(t, c.dataDir, "--sub", "admin1", "--tenant", faultTenant, "--role", "admin")
	w := startKeyedWriters(t, 4, token, func() string { return "http://" + api.addr })
	rdb := r.client()
	defer rdb.Close()

	start := time.Now()
	var memStart [2]mem // after the first interval of load: warmed up
	faults := 0
	for time.Since(start)+every <= total {
		time.Sleep(every)
		faults++
		if faults == 1 {
			memStart = [2]mem{memOf(proj.cmd.Process.Pid, proj.adm), memOf(api.cmd.Process.Pid, "")}
			keepHeap(t, proj.adm, "projector-start")
		}
		if faults%2 == 1 {
			r.stop()
			time.Sleep(time.Second)
			r.start()
			t.Logf("fault %d at %s: redis stopped 1 s and started empty; %d writes acknowledged", faults, time.Since(start).Round(time.Second), w.count())
		} else {
			if err := rdb.FlushAll(context.Background()).Err(); err != nil {
				t.Fatal(err)
			}
			t.Logf("fault %d at %s: redis flushed while running; %d writes acknowledged", faults, time.Since(start).Round(time.Second), w.count())
		}
	}
	time.Sleep(every / 2)
	acked := w.finish()
	memEnd := [2]mem{memOf(proj.cmd.Process.Pid, proj.adm), memOf(api.cmd.Process.Pid, "")}
	keepHeap(t, proj.adm, "projector-end")
	if faults == 0 || acked.total() == 0 {
		t.Fatalf("%d faults, %d acknowledged writes: the test proved nothing", faults, acked.total())
	}
	lostNothing(t, c, rdb, acked)
	t.Logf("%d faults, %d writes acknowledged (%d registrations, %d renames), %d retries, answers other than 200/201 %v; projector at start %s, at end %s; api RSS at start %.1f MB, at end %.1f MB",
		faults, acked.total(), len(acked.registered), len(acked.renamed), w.retries.Load(), w.status,
		memStart[0], memEnd[0], float64(memStart[1].rss)/1024, float64(memEnd[1].rss)/1024)
}

// A slow Redis (every answer held back): reads get slower, writes go on,
// nothing is lost, and the views converge once the delay is gone.
func TestFaultSlowRedis(t *testing.T) {
	total, every := faultPlan(t, 6*time.Second, 1)
	r := startOwnRedis(t)
	proxy := startDelayProxy(t, r.addr)
	c := distributedOn(t, proxy.ln.Addr().String())
	proj := c.start("projector-1", "project", "--admin-pprof")
	api := c.start("api-1", "api")
	token := mintToken(t, c.dataDir, "--sub", "admin1", "--tenant", faultTenant, "--role", "admin")
	w := startKeyedWriters(t, 2, token, func() string { return "http://" + api.addr })
	read := func() (time.Duration, int) {
		t0 := time.Now()
		code, _ := c.get(api, token, "/v1/actors/admin1/audit?limit=5")
		return time.Since(t0), code
	}
	const delay = 40 * time.Millisecond
	start := time.Now()
	var memStart [2]mem
	for round := 0; time.Since(start)+every <= total; round++ {
		time.Sleep(every / 2)
		if round == 0 {
			memStart = [2]mem{memOf(proj.cmd.Process.Pid, proj.adm), memOf(api.cmd.Process.Pid, "")}
			keepHeap(t, proj.adm, "projector-start")
		}
		fast, code := read()
		proxy.delay.Store(int64(delay))
		time.Sleep(every / 4)
		slow, slowCode := read()
		proxy.delay.Store(0)
		t.Logf("read before the delay %s (%d), with %s per Redis answer %s (%d); %d writes acknowledged",
			fast.Round(time.Millisecond), code, delay, slow.Round(time.Millisecond), slowCode, w.count())
		if slow < delay {
			t.Errorf("a read through a Redis %s slower took %s: it did not go through Redis", delay, slow)
		}
		if slowCode >= 500 && slowCode != 503 && slowCode != 504 {
			t.Errorf("a read on a slow Redis answered %d", slowCode)
		}
	}
	acked := w.finish()
	memEnd := [2]mem{memOf(proj.cmd.Process.Pid, proj.adm), memOf(api.cmd.Process.Pid, "")}
	keepHeap(t, proj.adm, "projector-end")
	rdb := r.client()
	defer rdb.Close()
	lostNothing(t, c, rdb, acked)
	t.Logf("%d writes acknowledged (%d registrations, %d renames), answers other than 200/201 %v; projector at start %s, at end %s; api RSS at start %.1f MB, at end %.1f MB",
		acked.total(), len(acked.registered), len(acked.renamed), w.status,
		memStart[0], memEnd[0], float64(memStart[1].rss)/1024, float64(memEnd[1].rss)/1024)
}

// get reads path from an API process; the status, or 0 without an answer.
func (c *cluster) get(p *proc, token, path string) (int, string) {
	return c.post(p, token, "GET", path, "")
}

// Redis paused (SIGSTOP) under keyed writes, then resumed, twice: a read
// during a pause answers 503, never 500; nothing acknowledged is lost; no
// event is parked for the pause; and the views, which are not rebuilt
// (Redis kept its data), reach the head and equal a clean build. The
// processes give up on a Redis call after half a second (options of the
// Redis URL), so a pause outlasts every retry the projector makes of an
// event.
func TestFaultRedisPausedUnderLoad(t *testing.T) {
	total, every := faultPlan(t, 16*time.Second, 2)
	const pause = 3 * time.Second
	r := startOwnRedis(t)
	c := distributedOn(t, r.addr)
	c.redis += "?read_timeout=500ms&write_timeout=500ms&max_retries=0"
	proj := c.start("projector-1", "project", "--admin-pprof")
	api := c.start("api-1", "api")
	token := mintToken(t, c.dataDir, "--sub", "admin1", "--tenant", faultTenant, "--role", "admin")
	w := startKeyedWriters(t, 2, token, func() string { return "http://" + api.addr })
	start := time.Now()
	faults := 0
	for time.Since(start)+every <= total {
		time.Sleep(every / 2)
		faults++
		if err := r.cmd.Process.Signal(syscall.SIGSTOP); err != nil {
			t.Fatal(err)
		}
		paused := time.Now()
		code, body := c.get(api, token, "/v1/actors/admin1/audit?limit=5")
		if code != http.StatusServiceUnavailable {
			t.Errorf("a read with Redis paused answered %d, want 503: %.200s", code, body)
		}
		time.Sleep(pause - time.Since(paused))
		if err := r.cmd.Process.Signal(syscall.SIGCONT); err != nil {
			t.Fatal(err)
		}
		t.Logf("fault %d at %s: redis paused %s, a read in it answered %d; %d writes acknowledged",
			faults, time.Since(start).Round(time.Second), time.Since(paused).Round(100*time.Millisecond), code, w.count())
	}
	time.Sleep(every / 2)
	acked := w.finish()
	if faults == 0 || acked.total() == 0 {
		t.Fatalf("%d faults, %d acknowledged writes: the test proved nothing", faults, acked.total())
	}
	rdb := r.client()
	defer rdb.Close()
	lostNothing(t, c, rdb, acked)
	resp, err := http.Get("http://" + proj.adm + "/admin/projections")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var status struct {
		Projections []struct {
			Name   string `json:"name"`
			Parked int    `json:"parked"`
		} `json:"projections"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&status); err != nil || len(status.Projections) == 0 {
		t.Fatalf("/admin/projections: %v, %d projections", err, len(status.Projections))
	}
	for _, s := range status.Projections {
		if s.Parked != 0 {
			t.Errorf("%s parked %d events for Redis's pause", s.Name, s.Parked)
		}
	}
	t.Logf("%d pauses, %d writes acknowledged (%d registrations, %d renames), %d retries, answers other than 200/201 %v",
		faults, acked.total(), len(acked.registered), len(acked.renamed), w.retries.Load(), w.status)
}
