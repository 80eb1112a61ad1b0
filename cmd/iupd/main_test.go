package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/iup-platform/iup/domain"
	"github.com/iup-platform/iup/domain/assessment"
	"github.com/iup-platform/iup/eventstore"
	"github.com/iup-platform/iup/projections/views/audit"
)

func startMain(t *testing.T, args ...string) *Main {
	t.Helper()
	m := &Main{}
	base := []string{"--addr", "127.0.0.1:0", "--admin-addr", "127.0.0.1:0", "--data-dir", t.TempDir()}
	if err := m.Config.parse("serve", append(base, args...)); err != nil {
		t.Fatal(err)
	}
	if err := m.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = m.Close() })
	return m
}

func get(t *testing.T, url string) (int, http.Header, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(b)
}

func TestServeAnswersOpsEndpoints(t *testing.T) {
	m := startMain(t)
	base := "http://" + m.Addr()

	if code, _, body := get(t, base+"/healthz"); code != 200 || !strings.Contains(body, `"ok"`) {
		t.Fatalf("/healthz = %d %s", code, body)
	}
	code, _, body := get(t, base+"/readyz")
	var ready struct {
		Status string
		Checks map[string]string
	}
	if code != 200 || json.Unmarshal([]byte(body), &ready) != nil || ready.Status != "ready" || ready.Checks["event_store_writable"] != "ok" {
		t.Fatalf("/readyz = %d %s", code, body)
	}
	code, hdr, body := get(t, base+"/no/such/route")
	if code != 404 || hdr.Get("Content-Type") != "application/problem+json" || !strings.Contains(body, `"status":404`) {
		t.Fatalf("unknown route = %d %s %s", code, hdr.Get("Content-Type"), body)
	}
	code, _, body = get(t, base+"/metrics")
	// The scheduler's latencies and the collector's pauses come with the
	// Go defaults: under load they tell a CPU-starved service from a slow store.
	for _, want := range []string{"go_goroutines", "go_sched_latencies_seconds_bucket", "go_gc_pauses_seconds_bucket",
		`iup_http_request_duration_seconds_count{method="GET",route="/healthz",status="200"} 1`} {
		if code != 200 || !strings.Contains(body, want) {
			t.Fatalf("/metrics lacks %q (status %d)", want, code)
		}
	}
	if _, err := os.Stat(filepath.Join(m.Config.DataDir, "events.db")); err != nil {
		t.Fatalf("the embedded store is not under the data folder: %v", err)
	}
}

func TestReadyzFailsWhenTheStoreCannotWrite(t *testing.T) {
	m := startMain(t)
	if err := m.store.Close(); err != nil {
		t.Fatal(err)
	}
	code, _, body := get(t, "http://"+m.Addr()+"/readyz")
	if code != http.StatusServiceUnavailable || !strings.Contains(body, `"event_store_writable":"failing"`) {
		t.Fatalf("/readyz with a closed store = %d %s", code, body)
	}
	m.store = nil // already closed
}

// An event appended to the store is sealed on disk, yet reaches the views
// through the forwarder and the bus, decrypted; the operators' endpoints
// report the views and rebuild one while it serves.
func TestEventsReachTheViewsAndOperatorsCanRebuild(t *testing.T) {
	m := startMain(t)
	ctx := context.Background()
	codec, _, err := openCodec(m.Config)
	if err != nil {
		t.Fatal(err)
	}
	log := eventstore.NewDomainLog(m.store, codec)
	teacher := domain.Meta{Actor: domain.Actor{Tenant: "kommun", ID: "t1", Role: domain.RoleTeacher}, Now: time.Now()}
	const secret = "Läser med inlevelse, kanariefågel"
	app, err := log.Append(ctx, "assessmententry-kommun.r1.s1", domain.NoStream, teacher,
		[]domain.Event{assessment.EntryCommentSet{RoundID: "r1", StudentID: "s1", Comment: secret}})
	if err != nil {
		t.Fatal(err)
	}
	pos, err := eventstore.ParsePosition(app.Position)
	if err != nil {
		t.Fatal(err)
	}
	wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := m.read.runtime.WaitFor(wctx, audit.Projection.Name, pos); err != nil {
		t.Fatalf("the audit view never reached the append: %v", err)
	}
	rd, err := m.read.runtime.Reader(ctx, audit.Projection.Name)
	if err != nil {
		t.Fatal(err)
	}
	read := func(keys ...string) ([][]byte, error) { return rd.Get(ctx, keys...) }
	entries, _, err := audit.Page(read, "kommun", audit.KindStudent, "s1", "", 10)
	if err != nil || len(entries) != 1 || entries[0].After == nil || entries[0].After.Text != secret || entries[0].ActorID != "t1" {
		t.Fatalf("student trail = %+v, %v", entries, err)
	}
	stored, err := m.store.ReadStream(ctx, "assessmententry-kommun.r1.s1", eventstore.ReadStreamOptions{})
	if err != nil || strings.Contains(string(stored[0].Data), "kanariefågel") {
		t.Fatalf("the comment is stored in the clear: %s (%v)", stored[0].Data, err)
	}

	admin := "http://" + m.AdminAddr()
	code, _, body := get(t, admin+"/admin/projections")
	if code != 200 || !strings.Contains(body, `"name":"audit"`) || !strings.Contains(body, `"name":"staff"`) {
		t.Fatalf("/admin/projections = %d %s", code, body)
	}
	resp, err := http.Post(admin+"/admin/projections/audit/rebuild", "", nil)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("rebuild: %v %v", resp, err)
	}
	resp.Body.Close()
	again, _, err := audit.Page(func(keys ...string) ([][]byte, error) {
		rd, err := m.read.runtime.Reader(ctx, audit.Projection.Name)
		if err != nil {
			return nil, err
		}
		return rd.Get(ctx, keys...)
	}, "kommun", audit.KindStudent, "s1", "", 10)
	if err != nil || len(again) != 1 || again[0].After.Text != secret {
		t.Fatalf("after the rebuild: %+v, %v", again, err)
	}
	if resp, err := http.Post(admin+"/admin/projections/nope/rebuild", "", nil); err != nil || resp.StatusCode != 404 {
		t.Fatalf("rebuild of an unknown view: %v %v", resp, err)
	}
	if code, _, _ := get(t, admin+"/admin/projections/audit/parked"); code != 200 {
		t.Fatalf("parked = %d", code)
	}
}

func TestEnvironmentSetsDefaultsAndFlagsWin(t *testing.T) {
	t.Setenv("IUP_ADDR", ":9999")
	t.Setenv("IUP_SHUTDOWN_TIMEOUT", "7s")
	t.Setenv("IUP_LOG_LEVEL", "debug")
	t.Setenv("IUP_KEPT_STATES_MB", "8")
	var c Config
	if err := c.parse("serve", []string{"--data-dir", "/srv/iup", "--stream-cache-mb", "0"}); err != nil {
		t.Fatal(err)
	}
	if c.Addr != ":9999" || c.ShutdownTimeout != 7*time.Second || c.LogLevel.String() != "DEBUG" || c.Events != "sqlite:/srv/iup/events.db" ||
		c.KeptStatesMB != 8 || c.StreamCacheMB != 0 {
		t.Fatalf("config = %+v", c)
	}
	var c2 Config
	if err := c2.parse("serve", []string{"--addr", ":1234", "--shutdown-timeout", "2s"}); err != nil || c2.Addr != ":1234" || c2.ShutdownTimeout != 2*time.Second {
		t.Fatalf("flags must win over the environment: %+v %v", c2, err)
	}
	t.Setenv("IUP_READ_TIMEOUT", "soon")
	var c3 Config
	if err := c3.parse("serve", nil); err == nil || !strings.Contains(err.Error(), "IUP_READ_TIMEOUT") {
		t.Fatalf("a bad duration in the environment must name the variable, got %v", err)
	}
}

func TestBadConfigIsRefused(t *testing.T) {
	for _, args := range [][]string{{"--log-format", "xml"}, {"stray"}, {"--no-such-flag"}, {"--kept-states-mb", "-1"}, {"--stream-cache-mb", "-1"}} {
		var c Config
		if err := c.parse("serve", args); err == nil {
			t.Errorf("%v accepted", args)
		}
	}
	m := &Main{Config: Config{Events: "mysql://x", Addr: "127.0.0.1:0"}}
	if err := m.Run(context.Background()); err == nil || !strings.Contains(err.Error(), "unsupported") {
		t.Fatalf("unknown store URL: %v", err)
	}
}

// The README's configuration table is the operator's reference: every flag
// and its variable must be in it.
func TestReadmeListsEveryFlag(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	var c Config
	c.newFlagSet("serve").VisitAll(func(f *flag.Flag) {
		row := "| `--" + f.Name + "` | `" + envName(f.Name) + "` |"
		if !strings.Contains(string(readme), row) {
			t.Errorf("README's configuration table lacks the row starting %q", row)
		}
	})
}

func TestSubcommands(t *testing.T) {
	var out, errOut strings.Builder
	if code := run([]string{"version"}, &out, &errOut); code != 0 || !strings.HasPrefix(out.String(), "iupd ") {
		t.Fatalf("version: %d %q", code, out.String())
	}
	if code := run([]string{"frobnicate"}, &out, &errOut); code != 2 {
		t.Fatalf("unknown command exit %d", code)
	}
	if code := run(nil, &out, &errOut); code != 2 {
		t.Fatalf("no command exit %d", code)
	}
	if code := run([]string{"serve", "-h"}, &out, &errOut); code != 0 {
		t.Fatalf("serve -h exit %d", code)
	}
	m := startMain(t)
	if code := run([]string{"probe", "--url", "http://" + m.Addr() + "/healthz"}, &out, &errOut); code != 0 {
		t.Fatalf("probe of a healthy service: exit %d %s", code, errOut.String())
	}
	if code := run([]string{"probe", "--url", "http://" + m.Addr() + "/nope"}, &out, &errOut); code != 1 {
		t.Fatalf("probe of a 404: exit %d", code)
	}
	out.Reset()
	if code := run([]string{"project", "--rebuild", "mentor-overview", "--admin-url", "http://" + m.AdminAddr()}, &out, &errOut); code != 0 || !strings.HasPrefix(out.String(), "rebuilt mentor-overview") {
		t.Fatalf("project --rebuild: exit %d %q %s", code, out.String(), errOut.String())
	}
	if code := run([]string{"project", "--rebuild", "nope", "--admin-url", "http://" + m.AdminAddr()}, &out, &errOut); code != 1 {
		t.Fatalf("project --rebuild of an unknown view: exit %d", code)
	}
}

// SIGTERM lets the real binary finish and exit 0, logging JSON without
// personal data.
func TestSIGTERMShutsDownGracefully(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := filepath.Join(t.TempDir(), "iupd")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()

	cmd := exec.Command(bin, "serve", "--addr", addr, "--admin-addr", "127.0.0.1:0", "--data-dir", t.TempDir())
	stderr, _ := cmd.StderrPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := make(chan string, 100)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	deadline := time.Now().Add(20 * time.Second)
	for {
		if resp, err := http.Get("http://" + addr + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				break
			}
		}
		if time.Now().After(deadline) {
			_ = cmd.Process.Kill()
			t.Fatal("service did not become ready")
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	// Read the logs to their end before Wait, which closes the pipe.
	var logLines []string
	timeout := time.After(20 * time.Second)
collect:
	for {
		select {
		case l, ok := <-lines:
			if !ok {
				break collect
			}
			logLines = append(logLines, l)
		case <-timeout:
			_ = cmd.Process.Kill()
			t.Fatal("no exit within 20s of SIGTERM")
		}
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("exit after SIGTERM: %v", err)
	}
	var msgs []string
	for _, l := range logLines {
		var rec map[string]any
		if err := json.Unmarshal([]byte(l), &rec); err != nil {
			t.Fatalf("log line is not JSON: %q", l)
		}
		msgs = append(msgs, rec["msg"].(string))
	}
	if n := len(msgs); n < 3 || msgs[n-3] != "serving" || msgs[n-2] != "shutting down" || msgs[n-1] != "stopped" {
		t.Fatalf("log messages = %v, want to end with serving, shutting down, stopped", msgs)
	}
}
