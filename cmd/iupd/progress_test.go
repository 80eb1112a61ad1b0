package main

import (
	"os"
	"strings"
	"testing"
	"time"
)

// Off a terminal, progress is plain log lines at an interval with the
// count, rate and time left, and never an escape code or carriage return.
func TestProgressOffATerminalWritesPlainLines(t *testing.T) {
	var out strings.Builder
	clock := time.Date(2026, 9, 1, 8, 0, 0, 0, time.UTC)
	now := func() time.Time { return clock }
	p := newProgressLog(&out, "verify", "events", 1000, 10*time.Second, now)
	for range 10 {
		clock = clock.Add(5 * time.Second)
		p.Add(50)
	}
	p.Done()
	p.Done() // a second Done writes nothing more

	text := out.String()
	if strings.ContainsAny(text, "\x1b\r") {
		t.Fatalf("escape codes or carriage returns in log output: %q", text)
	}
	lines := strings.Split(strings.TrimSuffix(text, "\n"), "\n")
	// started, a line every 10 s of the 50 s, done
	if len(lines) != 7 {
		t.Fatalf("got %d lines, want 7:\n%s", len(lines), text)
	}
	if !strings.Contains(lines[0], "msg=started") || !strings.Contains(lines[0], "task=verify") {
		t.Fatalf("first line = %q", lines[0])
	}
	// After 10 s, 100 of 1000 at 10/s: 90 s left.
	if l := lines[1]; !strings.Contains(l, "events=100") || !strings.Contains(l, "total=1000") ||
		!strings.Contains(l, "rate_per_s=10") || !strings.Contains(l, "time_left=1m30s") || !strings.Contains(l, "percent=10.0") {
		t.Fatalf("progress line = %q", l)
	}
	if l := lines[6]; !strings.Contains(l, "msg=done") || !strings.Contains(l, "events=500") {
		t.Fatalf("last line = %q", l)
	}
}

func TestProgressWithUnknownTotalStillReportsRate(t *testing.T) {
	var out strings.Builder
	clock := time.Date(2026, 9, 1, 8, 0, 0, 0, time.UTC)
	p := newProgressLog(&out, "backup", "pages", 0, time.Second, func() time.Time { return clock })
	clock = clock.Add(2 * time.Second)
	p.Add(400)
	p.Done()
	text := out.String()
	if strings.Contains(text, "time_left") || strings.Contains(text, "total=") || !strings.Contains(text, "rate_per_s=200") {
		t.Fatalf("unknown total: %q", text)
	}
}

// A file that is not a terminal (a log file, a pipe) gets the log form.
func TestProgressPicksTheLogFormForFiles(t *testing.T) {
	f, err := os.Create(t.TempDir() + "/log")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	p := newProgress(f, "verify", "events", 10)
	if p.bar != nil {
		t.Fatal("a plain file got the terminal bar")
	}
	p.Add(10)
	p.Done()
	b, _ := os.ReadFile(f.Name())
	if !strings.Contains(string(b), "msg=done") {
		t.Fatalf("log = %q", b)
	}
}

// Work whose progress is unknown still shows it is alive, at the interval.
func TestProgressTicksWhileWaiting(t *testing.T) {
	var out strings.Builder
	clock := time.Date(2026, 9, 1, 8, 0, 0, 0, time.UTC)
	p := newProgressLog(&out, "rebuild mentor-overview", "steps", 0, 10*time.Second, func() time.Time { return clock })
	p.Tick() // too soon: nothing
	clock = clock.Add(11 * time.Second)
	p.Tick()
	p.Done()
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 3 || !strings.Contains(lines[1], "msg=\"still working\"") || !strings.Contains(lines[1], "elapsed=11s") {
		t.Fatalf("lines = %q", lines)
	}
	stop := whileWaiting(&out, "rebuild")
	stop()
	if !strings.Contains(out.String(), "task=rebuild") {
		t.Fatalf("whileWaiting wrote %q", out.String())
	}
}
