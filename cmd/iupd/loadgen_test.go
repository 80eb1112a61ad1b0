package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// loadgen against iupd serve in-process: a tiny organiser made through the
// API, then about three seconds of every operation at a low rate. Every
// request succeeds, no answer is a 5xx, the staleness probes see their
// writes, and the JSON report holds every operation.
func TestLoadgenAgainstServe(t *testing.T) {
	m := startMain(t)
	out := filepath.Join(t.TempDir(), "report.json")
	var stdout, stderr bytes.Buffer
	err := loadgenCommand(context.Background(), []string{
		"--url", "http://" + m.Addr(), "--data-dir", m.Config.DataDir, "--tenant", "lgtest",
		"--classes-per-grade", "1", "--students-per-class", "4", "--courses-per-class", "2",
		"--rate-writes", "8", "--rate-reads", "16", "--duration", "3s", "--probe-share", "0.5", "--timeout", "30s",
		// Every operation alike, so a short run has each (the seed fixes the draws).
		"--mix", flatMix(),
		"--json", out,
	}, &stdout, &stderr)
	if err != nil {
		t.Fatalf("loadgen: %v\n%s", err, stderr.String())
	}
	raw, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var rep struct {
		Organiser     struct{ Students, Guardians, Courses int }
		Writes, Reads struct {
			Latency   struct{ Count int64 }
			Errors    int64
			Status5xx int64 `json:"status_5xx"`
		}
		Operations []struct {
			Name, Kind string
			Latency    struct {
				Count int64
				P99   float64 `json:"p99_ms"`
			}
			Errors   int64
			ByStatus map[string]int64 `json:"by_status"`
		}
		Staleness struct {
			Probes    int64
			Count     int64
			Invisible int64
			Timeouts  int64
		}
	}
	if err := json.Unmarshal(raw, &rep); err != nil {
		t.Fatalf("the JSON report does not parse: %v\n%s", err, raw)
	}
	if rep.Organiser.Students != 9*4 || rep.Organiser.Courses != 9*2 || rep.Organiser.Guardians < 9*4 {
		t.Fatalf("organiser %+v, want 36 students with their guardians and 18 courses", rep.Organiser)
	}
	seen := map[string]bool{}
	for _, o := range rep.Operations {
		seen[o.Name] = true
		if o.Errors != 0 || o.Latency.Count == 0 {
			t.Errorf("%s: %d requests, %d errors %v", o.Name, o.Latency.Count, o.Errors, o.ByStatus)
		}
		for code := range o.ByStatus {
			if strings.HasPrefix(code, "5") {
				t.Errorf("%s answered %s", o.Name, code)
			}
		}
	}
	for _, want := range []string{"teacher.bulk-level", "teacher.comment", "student.self-assess", "mentor.plan-field",
		"mentor.goal", "mentor.schedule-talk", "mentor.hold-talk", "guardian.acknowledge",
		"mentor.overview", "mentor.snapshot", "teacher.course-view", "guardian.children", "guardian.snapshot", "student.home"} {
		if !seen[want] {
			t.Errorf("the report has no %s", want)
		}
	}
	// The schedule is open loop: about rate x duration requests were sent.
	if w, r := rep.Writes.Latency.Count, rep.Reads.Latency.Count; w != 24 || r != 48 {
		t.Errorf("%d writes and %d reads in 3s at 8/s and 16/s, want 24 and 48", w, r)
	}
	if rep.Writes.Status5xx+rep.Reads.Status5xx != 0 || rep.Writes.Errors+rep.Reads.Errors != 0 {
		t.Errorf("errors: writes %+v reads %+v", rep.Writes, rep.Reads)
	}
	if s := rep.Staleness; s.Probes == 0 || s.Count == 0 || s.Invisible != 0 || s.Timeouts != 0 {
		t.Errorf("staleness probes %+v: want some, each seeing its write\n%s", s, lastLines(stderr.String(), 20))
	}
	if table := stdout.String(); !strings.Contains(table, "append-to-visible") || !strings.Contains(table, "all writes") {
		t.Errorf("the table lacks its summary rows:\n%s", table)
	}
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

func flatMix() string {
	var parts []string
	for _, op := range []string{"teacher.bulk-level", "teacher.comment", "student.self-assess", "mentor.plan-field",
		"mentor.goal", "mentor.schedule-talk", "mentor.hold-talk", "guardian.acknowledge",
		"mentor.overview", "mentor.snapshot", "teacher.course-view", "guardian.children", "guardian.snapshot", "student.home"} {
		parts = append(parts, op+"=1")
	}
	return strings.Join(parts, ",")
}

// loadgen --history year at a tiny size: after the setup, one school year
// of every student through the API (rounds with bulk levels, comments,
// self-assessments, bulk plans with fields and publication, talks held
// and acknowledged, risk signals), every request answered 2xx, the events
// counted from the service's counter, and no workload (--duration 0).
func TestLoadgenHistoryYear(t *testing.T) {
	m := startMain(t)
	out := filepath.Join(t.TempDir(), "report.json")
	var stdout, stderr bytes.Buffer
	err := loadgenCommand(context.Background(), []string{
		"--url", "http://" + m.Addr(), "--data-dir", m.Config.DataDir, "--tenant", "lghist",
		"--classes-per-grade", "1", "--students-per-class", "3", "--courses-per-class", "2",
		"--history", "year", "--duration", "0", "--timeout", "30s", "--json", out,
	}, &stdout, &stderr)
	if err != nil {
		t.Fatalf("loadgen: %v\n%s", err, lastLines(stderr.String(), 20))
	}
	raw, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var rep struct {
		Organiser struct{ Students, Guardians, Courses int }
		History   *struct {
			Terms         int
			Requests      int64
			Events        int64
			SetupEvents   int64 `json:"setup_events"`
			ServiceEvents int64 `json:"service_events"`
		}
		Writes, Reads struct{ Latency struct{ Count int64 } }
	}
	if err := json.Unmarshal(raw, &rep); err != nil {
		t.Fatalf("the JSON report does not parse: %v\n%s", err, raw)
	}
	h := rep.History
	if h == nil {
		t.Fatalf("the report has no history:\n%s", raw)
	}
	students := int64(rep.Organiser.Students)
	if students != 27 || h.Terms != 2 {
		t.Fatalf("organiser %+v, history %+v", rep.Organiser, h)
	}
	// A term of a student is at least: a level and a comment in each of
	// two courses, a self-assessment in one, a plan made, two fields
	// written and published, a talk booked, held and acknowledged.
	if min := students * 2 * (2*2 + 1 + 4 + 3); h.Events < min {
		t.Errorf("%d events in the history of %d students, want at least %d", h.Events, students, min)
	}
	if h.SetupEvents <= 0 || h.ServiceEvents < h.SetupEvents+h.Events || h.Requests <= 0 {
		t.Errorf("history %+v: the setup's and the service's events are not counted", h)
	}
	if rep.Writes.Latency.Count+rep.Reads.Latency.Count != 0 {
		t.Errorf("a workload ran with --duration 0")
	}
	if table := stdout.String(); !strings.Contains(table, "history year (2 terms)") {
		t.Errorf("the table lacks the history:\n%s", table)
	}
}
