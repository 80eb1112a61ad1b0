package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/iup-platform/iup/domain/roster"
	"github.com/iup-platform/iup/eventstore"
	"github.com/iup-platform/iup/eventstore/sqlite"
)

// The fault tests run a short form in `make test` and a long one under
// IUP_SOAK=1 (`make soak`): IUP_SOAK_DURATION long (default 30m), a fault
// every IUP_SOAK_EVERY (default 1m).
func faultPlan(t *testing.T, short time.Duration, shortFaults int) (total time.Duration, every time.Duration) {
	t.Helper()
	if testing.Short() {
		t.Skip("starts processes")
	}
	if os.Getenv("IUP_SOAK") != "1" {
		return short, short / time.Duration(shortFaults+1)
	}
	// The four fault tests soak side by side, each with its own service.
	t.Parallel()
	total, every = 30*time.Minute, time.Minute
	if v, err := time.ParseDuration(os.Getenv("IUP_SOAK_DURATION")); err == nil {
		total = v
	}
	if v, err := time.ParseDuration(os.Getenv("IUP_SOAK_EVERY")); err == nil {
		every = v
	}
	return total, every
}

// soakPace is the pause of each keyed writer between requests: none in the
// short form; in a soak a steady load (4 writers, about 20 writes/s) whose
// history a full verify can still rebuild at the end.
func soakPace() time.Duration {
	if os.Getenv("IUP_SOAK") == "1" {
		return 200 * time.Millisecond
	}
	return 0
}

// faultTenant is the organiser the fault tests write for.
const faultTenant = "faults"

// served is one `iupd serve` process on a data folder; it can be killed
// and started again on the same folder and addresses.
type served struct {
	t               *testing.T
	bin, dir        string
	addr, adminAddr string
	extra           []string
	cmd             *exec.Cmd
	log             *syncBuffer
}

func startServed(t *testing.T, dir string, extra ...string) *served {
	t.Helper()
	s := &served{t: t, bin: iupdBinary(t), dir: dir, addr: freeAddr(t), adminAddr: freeAddr(t), extra: extra, log: &syncBuffer{}}
	s.start()
	t.Cleanup(func() {
		s.kill()
		if t.Failed() {
			t.Logf("log of serve:\n%s", tail(s.log.String(), 40))
		}
	})
	return s
}

func (s *served) start() {
	s.t.Helper()
	args := append([]string{"serve", "--addr", s.addr, "--admin-addr", s.adminAddr, "--admin-pprof", "--data-dir", s.dir,
		"--log-format", "text", "--shutdown-timeout", "2s"}, s.extra...)
	s.cmd = exec.Command(s.bin, args...)
	s.cmd.Stderr = s.log
	if err := s.cmd.Start(); err != nil {
		s.t.Fatal(err)
	}
	eventually(s.t, 60*time.Second, "serve ready", func() bool {
		resp, err := http.Get("http://" + s.addr + "/readyz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == 200
	})
}

// kill ends the process with SIGKILL: no shutdown, no flush.
func (s *served) kill() {
	if s.cmd == nil {
		return
	}
	_ = s.cmd.Process.Signal(syscall.SIGKILL)
	_ = s.cmd.Wait()
	s.cmd = nil
}

func (s *served) mem() mem {
	m := memOf(s.cmd.Process.Pid, s.adminAddr)
	m.views, m.streamCache = viewsKB(s.adminAddr), metricKB(s.addr, "iup_eventstore_stream_cache_bytes")
	return m
}

// rssKB reads the resident set of a process from /proc (Linux).
func rssKB(pid int) int {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "VmRSS:"); ok {
			n, _ := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")))
			return n
		}
	}
	return 0
}

// heapKB is the live Go heap of a process started with --admin-pprof: the
// heap profile asked with gc=1 collects first, so its HeapAlloc is what is
// still referenced (0 when it cannot be read). RSS beside it also counts
// garbage not yet collected and freed memory the runtime has not returned.
func heapKB(adminAddr string) int {
	if adminAddr == "" {
		return 0
	}
	n, _ := strconv.Atoi(lineValue("http://"+adminAddr+"/debug/pprof/heap?debug=1&gc=1", "# HeapAlloc = "))
	return n >> 10
}

// lineValue fetches url and returns what follows prefix on the first line
// that starts with it ("" when none does or the fetch fails).
func lineValue(url, prefix string) string {
	resp, err := http.Get(url)
	if err != nil {
		return ""
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, prefix); ok {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// keepHeap saves a process's heap profile (after a collection) as
// IUP_SOAK_PROFILES/<test>-<label>.pb.gz when that folder is set, for
// `go tool pprof -diff_base` between the start and the end of a soak.
func keepHeap(t *testing.T, adminAddr, label string) {
	dir := os.Getenv("IUP_SOAK_PROFILES")
	if dir == "" || adminAddr == "" {
		return
	}
	resp, err := http.Get("http://" + adminAddr + "/debug/pprof/heap?gc=1")
	if err != nil {
		t.Logf("heap profile %s: %v", label, err)
		return
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if err := os.WriteFile(filepath.Join(dir, t.Name()+"-"+label+".pb.gz"), b, 0o644); err != nil {
		t.Logf("heap profile %s: %v", label, err)
	}
}

// mem is one process's memory at a moment, in kB. An embedded service
// also reports what its data holds: the bytes of its views' documents and
// of the event store's stream cache (-1: not measured). Both grow with the
// history: the audit trail gains an entry per event, the stream cache its
// streams' new events up to its bound.
type mem struct{ rss, heap, views, streamCache int }

func memOf(pid int, adminAddr string) mem { return mem{rssKB(pid), heapKB(adminAddr), -1, -1} }

func (m mem) String() string {
	s := fmt.Sprintf("RSS %.1f MB, live heap %.1f MB", float64(m.rss)/1024, float64(m.heap)/1024)
	if m.views >= 0 {
		s += fmt.Sprintf(" (views' documents %.1f MB, stream cache %.1f MB)", float64(m.views)/1024, float64(m.streamCache)/1024)
	}
	return s
}

// viewsKB sums the keys and values of every view's documents, read through
// the operators' dump (0 when it cannot be read).
func viewsKB(adminAddr string) int {
	n := 0
	for _, name := range viewNames() {
		resp, err := http.Get("http://" + adminAddr + "/admin/projections/" + name + "/dump")
		if err != nil {
			return 0
		}
		dec := json.NewDecoder(resp.Body)
		for {
			var line struct {
				Key   string
				Value []byte
			}
			if dec.Decode(&line) != nil {
				break
			}
			n += len(line.Key) + len(line.Value)
		}
		resp.Body.Close()
	}
	return n >> 10
}

// metricKB reads a gauge in bytes from a service's /metrics (0 without it).
func metricKB(addr, name string) int {
	f, _ := strconv.ParseFloat(lineValue("http://"+addr+"/metrics", name+" "), 64)
	return int(f) >> 10
}

// keyedWriters write through the API, each request with its own
// Idempotency-Key, retrying an unanswered or failed request with the same
// key until it is acknowledged, as a careful client does. Each writer
// first registers a fixed set of staff members (the warm-up), then renames
// them in turn for as long as it runs: the log grows, the views' documents
// stay as many and as large (a soak measures memory against a bounded data
// set). The staff id is made by the server from the key, so a retry that
// wrote again would show as a second registration under the same request
// id; a rename's request id is derived from its key, so a retry that wrote
// again would show as a second rename under it.
type keyedWriters struct {
	base  func() string // the API's base URL, read per request
	token string
	staff int // staff members each writer registers before it renames

	mu      sync.Mutex
	acked   map[string]string // registration key -> staff id answered
	renamed map[string]string // rename key -> staff id renamed
	retries atomic.Int64
	status  map[int]int64 // every answer other than 200/201 by status; 0 = no answer
	stop    chan struct{}
	wg      sync.WaitGroup
}

// faultStaff is how many staff members each writer registers: in a soak
// the fixed set renamed for half an hour; in the short form a few, so the
// renames run too.
func faultStaff() int {
	if os.Getenv("IUP_SOAK") == "1" {
		return 50
	}
	return 5
}

// faultActor is the subject of the fault tests' admin token.
const faultActor = "admin1"

func startKeyedWriters(t *testing.T, n int, token string, base func() string) *keyedWriters {
	w := &keyedWriters{base: base, token: token, staff: faultStaff(), acked: map[string]string{}, renamed: map[string]string{},
		status: map[int]int64{}, stop: make(chan struct{})}
	for c := range n {
		w.wg.Add(1)
		go func() {
			defer w.wg.Done()
			var ids []string
			for i := 0; ; i++ {
				select {
				case <-w.stop:
					return
				default:
				}
				if len(ids) < w.staff {
					key := fmt.Sprintf("w%d-%d", c, i)
					if id := w.until(http.MethodPost, "/v1/staff", key, fmt.Sprintf(`{"display_name":"Lärare %s"}`, key), http.StatusCreated); id != "" {
						ids = append(ids, id)
						w.mu.Lock()
						w.acked[key] = id
						w.mu.Unlock()
					}
				} else {
					// A new name each time: every rename is a change, one event.
					id := ids[i%len(ids)]
					key := fmt.Sprintf("w%d-r%d", c, i)
					if w.until(http.MethodPut, "/v1/staff/"+id+"/name", key, fmt.Sprintf(`{"display_name":"Lärare %s"}`, key), http.StatusOK) != "" {
						w.mu.Lock()
						w.renamed[key] = id
						w.mu.Unlock()
					}
				}
				time.Sleep(soakPace())
			}
		}()
	}
	return w
}

// until sends one keyed request until it is answered with want, and
// returns the id answered (registrations) or "ok" (renames, answered with a
// revision); "" when refused for good: never acknowledged, so nothing to
// check. It does not stop for w.stop: a client finishes what it started.
func (w *keyedWriters) until(method, path, key, body string, want int) string {
	for attempt := 0; ; attempt++ {
		if attempt > 0 {
			w.retries.Add(1)
			time.Sleep(50 * time.Millisecond)
		}
		code, resp := w.send(method, path, key, body)
		if code == want {
			var c struct {
				ID       string
				Revision *int64
			}
			if err := json.Unmarshal(resp, &c); err == nil {
				if c.ID != "" {
					return c.ID
				}
				if c.Revision != nil {
					return "ok"
				}
			}
		}
		w.mu.Lock()
		w.status[code]++
		w.mu.Unlock()
		if code >= 400 && code < 500 && code != http.StatusConflict && code != http.StatusTooManyRequests {
			return ""
		}
	}
}

// post registers a staff member with key, once.
func (w *keyedWriters) post(key, body string) (int, []byte) {
	return w.send(http.MethodPost, "/v1/staff", key, body)
}

func (w *keyedWriters) send(method, path, key, body string) (int, []byte) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, method, w.base()+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+w.token)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Idempotency-Key", key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// count is how many writes were acknowledged so far.
func (w *keyedWriters) count() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.acked) + len(w.renamed)
}

// acknowledged is what the writers were told was stored.
type acknowledged struct {
	registered map[string]string // key -> staff id
	renamed    map[string]string // key -> staff id
}

func (a acknowledged) total() int { return len(a.registered) + len(a.renamed) }

// finish stops the clients after their requests in flight are answered.
func (w *keyedWriters) finish() acknowledged {
	close(w.stop)
	w.wg.Wait()
	w.mu.Lock()
	defer w.mu.Unlock()
	return acknowledged{registered: w.acked, renamed: w.renamed}
}

// idemRequestPrefix is the request id prefix the API gives every event of a
// request with this Idempotency-Key from the fault tests' admin
// (handlers/idempotency.go: "idem:" + hash of tenant, subject and key).
func idemRequestPrefix(key string) string {
	h := sha256.New()
	for _, p := range []string{faultTenant, faultActor, key} {
		fmt.Fprintf(h, "%d:%s", len(p), p)
	}
	return "idem:" + base64.RawURLEncoding.EncodeToString(h.Sum(nil))[:32] + "."
}

// checkAcknowledged reads the log and proves every acknowledged write is
// stored exactly once: each registration's stream holds it and no request
// id produced two; each rename is in its staff member's stream once, under
// its key's request id.
func checkAcknowledged(t *testing.T, events eventstore.Store, acked acknowledged) {
	t.Helper()
	ctx := context.Background()
	byRequest := map[string]int{}
	byStream := map[string]int{}
	type rename struct {
		stream string
		n      int
	}
	renames := map[string]rename{} // request id prefix -> where and how often
	if err := scanLog(ctx, events, func(rec eventstore.RecordedEvent) error {
		switch rec.Type {
		case "roster.staff-registered":
			byRequest[rec.Metadata.RequestID]++
			byStream[rec.Stream]++
		case "roster.staff-renamed":
			prefix, _, _ := strings.Cut(rec.Metadata.RequestID, ".")
			r := renames[prefix+"."]
			r.stream = rec.Stream
			r.n++
			renames[prefix+"."] = r
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	for req, n := range byRequest {
		if n != 1 {
			t.Errorf("request %s registered staff %d times", req, n)
		}
	}
	for req, r := range renames {
		if r.n != 1 {
			t.Errorf("request %s renamed staff %d times", req, r.n)
		}
	}
	lost := 0
	for key, id := range acked.registered {
		if byStream[roster.StaffStream(faultTenant, id)] != 1 {
			lost++
			if lost <= 5 {
				t.Errorf("acknowledged write %s (staff %s): %d registrations stored", key, id, byStream[roster.StaffStream(faultTenant, id)])
			}
		}
	}
	for key, id := range acked.renamed {
		r := renames[idemRequestPrefix(key)]
		if r.n != 1 || r.stream != roster.StaffStream(faultTenant, id) {
			lost++
			if lost <= 5 {
				t.Errorf("acknowledged rename %s (staff %s): %d renames stored under its request id", key, id, r.n)
			}
		}
	}
	if lost > 0 {
		t.Errorf("%d of %d acknowledged writes lost", lost, acked.total())
	}
	if len(acked.renamed) == 0 {
		t.Errorf("no rename acknowledged (%d registrations): the bounded load never ran", len(acked.registered))
	}
}

// openEvents opens the store of a data folder beside a running service
// (WAL: readers never block its writer).
func openEvents(t *testing.T, dir string) *sqlite.Store {
	t.Helper()
	s, err := sqlite.Open(filepath.Join(dir, "events.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// verifyLiveViews runs the full `iupd verify` against the running service's
// live views: every view must equal a clean rebuild at its checkpoint.
func verifyLiveViews(t *testing.T, dir, adminAddr string) string {
	t.Helper()
	var out, errOut bytes.Buffer
	err := verifyCommand(context.Background(), []string{"--data-dir", dir, "--admin-url", "http://" + adminAddr}, &out, &errOut)
	if err != nil {
		t.Fatalf("iupd verify --admin-url: %v\n%s\n%s", err, out.String(), tail(errOut.String(), 20))
	}
	if !strings.Contains(out.String(), "live") {
		t.Fatalf("verify did not compare the live views:\n%s", out.String())
	}
	return out.String()
}
