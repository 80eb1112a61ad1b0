package main

import (
	"bytes"
	"context"
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
	args := append([]string{"serve", "--addr", s.addr, "--admin-addr", s.adminAddr, "--data-dir", s.dir,
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

// keyedWriters register staff members through the API, each request with
// its own Idempotency-Key, retrying an unanswered or failed request with
// the same key until it is acknowledged, as a careful client does. The
// staff id is made by the server from the key, so a retry that wrote again
// would show as a second registration under the same request id.
type keyedWriters struct {
	base  func() string // the API's base URL, read per request
	token string

	mu      sync.Mutex
	acked   map[string]string // key -> staff id answered
	retries atomic.Int64
	status  map[int]int64 // every non-201 answer by status; 0 = no answer
	stop    chan struct{}
	wg      sync.WaitGroup
}

func startKeyedWriters(t *testing.T, n int, token string, base func() string) *keyedWriters {
	w := &keyedWriters{base: base, token: token, acked: map[string]string{}, status: map[int]int64{}, stop: make(chan struct{})}
	for c := range n {
		w.wg.Add(1)
		go func() {
			defer w.wg.Done()
			for i := 0; ; i++ {
				select {
				case <-w.stop:
					return
				default:
				}
				w.until(fmt.Sprintf("w%d-%d", c, i))
				time.Sleep(soakPace())
			}
		}()
	}
	return w
}

// until sends one keyed request until it is acknowledged. It does not stop
// for w.stop: a client finishes what it started.
func (w *keyedWriters) until(key string) {
	body := fmt.Sprintf(`{"display_name":"Lärare %s"}`, key)
	for attempt := 0; ; attempt++ {
		if attempt > 0 {
			w.retries.Add(1)
			time.Sleep(50 * time.Millisecond)
		}
		code, resp := w.post(key, body)
		if code == http.StatusCreated {
			var c struct{ ID string }
			if err := json.Unmarshal(resp, &c); err == nil && c.ID != "" {
				w.mu.Lock()
				w.acked[key] = c.ID
				w.mu.Unlock()
				return
			}
		}
		w.mu.Lock()
		w.status[code]++
		w.mu.Unlock()
		if code >= 400 && code < 500 && code != http.StatusConflict && code != http.StatusTooManyRequests {
			return // refused for good: never acknowledged, so nothing to check
		}
	}
}

func (w *keyedWriters) post(key, body string) (int, []byte) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, w.base()+"/v1/staff", strings.NewReader(body))
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

func (w *keyedWriters) count() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.acked)
}

// finish stops the clients after their requests in flight are answered.
func (w *keyedWriters) finish() map[string]string {
	close(w.stop)
	w.wg.Wait()
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.acked
}

// checkAcknowledged reads the log and proves every acknowledged
// registration is stored exactly once: its stream holds it, and no request
// id produced two registrations.
func checkAcknowledged(t *testing.T, events eventstore.Store, acked map[string]string) {
	t.Helper()
	ctx := context.Background()
	byRequest := map[string]int{}
	byStream := map[string]int{}
	if err := scanLog(ctx, events, func(rec eventstore.RecordedEvent) error {
		if rec.Type == "roster.staff-registered" {
			byRequest[rec.Metadata.RequestID]++
			byStream[rec.Stream]++
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
	lost := 0
	for key, id := range acked {
		if byStream[roster.StaffStream(faultTenant, id)] != 1 {
			lost++
			if lost <= 5 {
				t.Errorf("acknowledged write %s (staff %s): %d registrations stored", key, id, byStream[roster.StaffStream(faultTenant, id)])
			}
		}
	}
	if lost > 0 {
		t.Errorf("%d of %d acknowledged writes lost", lost, len(acked))
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
