package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/iup-platform/iup/domain/catalog"
	"github.com/iup-platform/iup/eventstore/kurrent"
	"github.com/iup-platform/iup/eventstore/kurrent/kurrenttest"
	"github.com/iup-platform/iup/eventstore/shred"
	"github.com/iup-platform/iup/projections"
	"github.com/iup-platform/iup/projections/bus"
	"github.com/iup-platform/iup/projections/memstore"
	"github.com/iup-platform/iup/projections/redisstore"
	"github.com/iup-platform/iup/projections/redistest"
	"github.com/iup-platform/iup/projections/runtime"
	"github.com/iup-platform/iup/projections/views"
)

// The KurrentDB protocol server as a process of its own: the test binary
// runs itself with this variable set, so the event store lives apart from
// every iupd process and from the test.
const kurrentProcessEnv = "IUP_TEST_KURRENT_PROCESS"

func TestKurrentProtocolServerProcess(t *testing.T) {
	if os.Getenv(kurrentProcessEnv) != "1" {
		t.Skip("runs only as the protocol-server child of the multi-process tests")
	}
	srv, err := kurrenttest.Start()
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	fmt.Println("URL", srv.URL())
	_, _ = io.Copy(io.Discard, os.Stdin) // until the parent closes our stdin
}

var (
	distBinOnce sync.Once
	distBin     string
	distBinErr  error
)

// iupdBinary builds cmd/iupd once for the multi-process tests (without
// -race: the processes under test are the product, the race detector runs
// on the test itself).
func iupdBinary(t *testing.T) string {
	t.Helper()
	distBinOnce.Do(func() {
		dir, err := os.MkdirTemp("", "iupd-dist")
		if err != nil {
			distBinErr = err
			return
		}
		distBin = filepath.Join(dir, "iupd")
		if out, err := exec.Command("go", "build", "-o", distBin, ".").CombinedOutput(); err != nil {
			distBinErr = fmt.Errorf("build: %v\n%s", err, out)
		}
	})
	if distBinErr != nil {
		t.Fatal(distBinErr)
	}
	return distBin
}

// proc is one child process with its log kept for the assertions.
type proc struct {
	name string
	cmd  *exec.Cmd
	log  *syncBuffer
	addr string // ops (and API) address
	adm  string // operators' endpoints, projectors only
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// cluster is one distributed deployment on this machine.
type cluster struct {
	t       *testing.T
	bin     string
	dataDir string
	events  string
	redis   string
	prefix  string
	procs   []*proc
}

func newCluster(t *testing.T) *cluster {
	t.Helper()
	if testing.Short() {
		t.Skip("starts processes")
	}
	c := &cluster{t: t, redis: redistest.URL(t), prefix: redistest.Namespace(t), dataDir: t.TempDir()}
	c.bin = iupdBinary(t)
	// The protocol server.
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	srv := exec.Command(self, "-test.run=^TestKurrentProtocolServerProcess$")
	srv.Env = append(os.Environ(), kurrentProcessEnv+"=1")
	stdin, _ := srv.StdinPipe()
	out, _ := srv.StdoutPipe()
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { stdin.Close(); _ = srv.Process.Kill(); _ = srv.Wait() })
	buf := make([]byte, 256)
	n, _ := io.ReadAtLeast(out, buf, 4)
	line, _, _ := strings.Cut(string(buf[:n]), "\n")
	url, ok := strings.CutPrefix(line, "URL ")
	if !ok {
		t.Fatalf("protocol server said %q", line)
	}
	c.events = url
	makeKeys(t, c.dataDir)
	return c
}

func (c *cluster) start(name, sub string, extra ...string) *proc {
	c.t.Helper()
	p := &proc{name: name, log: &syncBuffer{}, addr: freeAddr(c.t)}
	args := []string{sub, "--addr", p.addr, "--data-dir", c.dataDir, "--events", c.events,
		"--readmodels", c.redis, "--bus", "redisstream", "--redis-prefix", c.prefix, "--log-format", "text", "--shutdown-timeout", "2s"}
	if sub == "project" {
		p.adm = freeAddr(c.t)
		args = append(args, "--admin-addr", p.adm, "--holder", name)
	} else {
		args = append(args, "--admin-addr", "")
	}
	p.cmd = exec.Command(c.bin, append(args, extra...)...)
	p.cmd.Stderr = p.log
	if err := p.cmd.Start(); err != nil {
		c.t.Fatal(err)
	}
	c.procs = append(c.procs, p)
	c.t.Cleanup(func() {
		_ = p.cmd.Process.Signal(syscall.SIGCONT)
		_ = p.cmd.Process.Kill()
		_ = p.cmd.Wait()
		if c.t.Failed() {
			c.t.Logf("log of %s:\n%s", p.name, tail(p.log.String(), 40))
		}
	})
	c.waitReady(p)
	return p
}

func tail(s string, n int) string {
	lines := strings.Split(s, "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

func (c *cluster) waitReady(p *proc) {
	c.t.Helper()
	eventually(c.t, 30*time.Second, p.name+" ready", func() bool {
		resp, err := http.Get("http://" + p.addr + "/readyz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == 200
	})
}

func eventually(t *testing.T, within time.Duration, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %s", what, within)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// holders maps every lease to the projector holding it.
func (c *cluster) holders(ctx context.Context) map[string]string {
	rdb := redistest.Client(c.t)
	out := map[string]string{}
	for _, name := range append(viewNames(), forwarderLease) {
		out[name], _ = rdb.Get(ctx, c.prefix+"lease:"+name+":holder").Result()
	}
	return out
}

func viewNames() []string {
	var names []string
	for _, p := range views.All() {
		names = append(names, p.Name)
	}
	return names
}

func allHeldBy(h map[string]string, name string) bool {
	for _, v := range h {
		if v != name {
			return false
		}
	}
	return true
}

// writer posts students through the API processes in turn until stopped.
type writer struct {
	c     *cluster
	token string
	apis  []*proc
	n     atomic.Int64
	stop  chan struct{}
	done  chan error
}

func (c *cluster) token() string {
	c.t.Helper()
	out, err := exec.Command(c.bin, "token", "--data-dir", c.dataDir, "--sub", "admin1", "--tenant", "t1", "--role", "admin").Output()
	if err != nil {
		c.t.Fatalf("iupd token: %v", err)
	}
	return strings.TrimSpace(string(out))
}

func (c *cluster) post(p *proc, token, method, path, body string) (int, string) {
	req, _ := http.NewRequest(method, "http://"+p.addr+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func (c *cluster) startWriting(apis ...*proc) *writer {
	c.t.Helper()
	w := &writer{c: c, token: c.token(), apis: apis, stop: make(chan struct{}), done: make(chan error, 1)}
	if code, body := c.post(apis[0], w.token, "POST", "/v1/schools", `{"id":"school1","name":"Skolan","school_forms":["grundskola"]}`); code != 201 {
		c.t.Fatalf("register school: %d %s", code, body)
	}
	go func() {
		for i := 0; ; i++ {
			select {
			case <-w.stop:
				w.done <- nil
				return
			default:
			}
			api := apis[i%len(apis)]
			id := fmt.Sprintf("s%d", i)
			body := fmt.Sprintf(`{"id":%q,"school_id":"school1","grade":4,"school_form":"grundskola","display_name":"Elev %d","effective_from":"2025-08-11"}`, id, i)
			if code, resp := c.post(api, w.token, "POST", "/v1/students", body); code != 201 {
				w.done <- fmt.Errorf("POST /v1/students through %s: %d %s", api.name, code, resp)
				return
			}
			w.n.Add(1)
		}
	}()
	return w
}

func (w *writer) waitFor(n int64) {
	w.c.t.Helper()
	eventually(w.c.t, 60*time.Second, fmt.Sprintf("%d writes", n), func() bool { return w.n.Load() >= n })
}

func (w *writer) finish() {
	w.c.t.Helper()
	close(w.stop)
	if err := <-w.done; err != nil {
		w.c.t.Fatal(err)
	}
}

// converged checks every view in Redis reaches the log's head and equals a
// clean build from the log in memory: nothing lost, nothing applied twice.
func (c *cluster) converged(ctx context.Context) {
	c.t.Helper()
	events, err := kurrent.Open(c.events)
	if err != nil {
		c.t.Fatal(err)
	}
	defer events.Close()
	head, err := events.HeadPosition(ctx)
	if err != nil {
		c.t.Fatal(err)
	}
	rs := redisstore.New(redistest.Client(c.t), c.prefix)
	for _, name := range viewNames() {
		eventually(c.t, 60*time.Second, name+" caught up with the log", func() bool {
			ns, err := rs.Active(ctx, name)
			if err != nil || ns == "" {
				return false
			}
			cp, _, err := rs.Checkpoint(ctx, ns)
			return err == nil && !cp.Before(head)
		})
	}
	// The data keys are in the KurrentDB, as the projectors found them.
	mk, err := shred.OpenFileMasterKey(filepath.Join(c.dataDir, "master.key"))
	if err != nil {
		c.t.Fatal(err)
	}
	codec := shred.NewCodec(catalog.Events, shred.NewKeyring(mk, kurrent.NewKeyStore(events)))
	clean := memstore.New()
	gc := bus.NewGoChannel(nil)
	defer gc.Close()
	rt, err := runtime.New(runtime.Config{Events: events, Codec: codec, Views: clean, Bus: gc,
		Projections: views.All(), Registerer: prometheus.NewRegistry(), Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		c.t.Fatal(err)
	}
	rctx, cancel := context.WithCancel(ctx)
	if err := rt.Start(rctx); err != nil {
		c.t.Fatal(err)
	}
	<-rt.Ready()
	for _, name := range viewNames() {
		got, want := dump(c.t, rs, name), dump(c.t, clean, name)
		if len(want) == 0 {
			c.t.Logf("view %s is empty after the run", name)
		}
		if !maps.Equal(got, want) {
			c.t.Errorf("view %s in Redis (%d documents) differs from a clean build (%d documents)", name, len(got), len(want))
		}
	}
	cancel()
	_ = rt.Wait()
}

func dump(t *testing.T, s projections.Store, name string) map[string]string {
	t.Helper()
	ctx := context.Background()
	ns, err := s.Active(ctx, name)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	if err := s.Scan(ctx, ns, "", func(k string, v []byte) error { out[k] = string(v); return nil }); err != nil {
		t.Fatal(err)
	}
	return out
}

func metric(t *testing.T, p *proc, series string) string {
	t.Helper()
	resp, err := http.Get("http://" + p.addr + "/metrics")
	if err != nil {
		return ""
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, series+" "); ok {
			return v
		}
	}
	return ""
}
