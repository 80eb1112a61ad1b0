package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The README's curl walkthrough is a promise to a newcomer: these tests run
// it as written, so it cannot drift from the API or from the calendar.

const (
	walkthroughStart = "<!-- walkthrough:start -->"
	walkthroughEnd   = "<!-- walkthrough:end -->"
	blockMarker      = "::walkthrough block "
)

// shellBlock is one fenced sh block of the walkthrough: its code and the
// output lines it promises (`#> ` comments, `…` standing for anything).
type shellBlock struct {
	code   string
	expect []string
}

func readWalkthrough(t *testing.T) []shellBlock {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatalf("read README: %v", err)
	}
	_, rest, ok := strings.Cut(string(raw), walkthroughStart)
	section, _, ok2 := strings.Cut(rest, walkthroughEnd)
	if !ok || !ok2 {
		t.Fatalf("README.md lacks the %s / %s markers", walkthroughStart, walkthroughEnd)
	}
	var blocks []shellBlock
	var cur *shellBlock
	for _, line := range strings.Split(section, "\n") {
		switch {
		case cur == nil && (line == "```sh" || line == "```bash"):
			cur = &shellBlock{}
		case cur != nil && line == "```":
			blocks = append(blocks, *cur)
			cur = nil
		case cur != nil:
			cur.code += line + "\n"
			if e, ok := strings.CutPrefix(line, "#> "); ok {
				cur.expect = append(cur.expect, e)
			}
		}
	}
	if cur != nil {
		t.Fatal("README walkthrough: a fenced block is not closed")
	}
	if len(blocks) < 3 {
		t.Fatalf("README walkthrough has %d shell blocks", len(blocks))
	}
	return blocks
}

// expectation turns a `#> ` line into a pattern for one output line.
func expectation(line string) *regexp.Regexp {
	parts := strings.Split(line, "…")
	for i, p := range parts {
		parts[i] = regexp.QuoteMeta(p)
	}
	return regexp.MustCompile("^" + strings.Join(parts, ".*") + "$")
}

// TestReadmeWalkthrough runs the walkthrough's blocks in order with
// bash -euo pipefail against a fresh iupd serve: every command must
// succeed, every `#>` line must appear in its block's output in order, and
// the last block (the reads) must print exactly its `#>` lines.
func TestReadmeWalkthrough(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and starts iupd")
	}
	for _, tool := range []string{"bash", "curl"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("the walkthrough needs %s: %v", tool, err)
		}
	}
	blocks := readWalkthrough(t)
	dir := t.TempDir()
	srv := startServed(t, dir)

	var script strings.Builder
	for i, b := range blocks {
		script.WriteString("echo '" + blockMarker + strconv.Itoa(i) + "'\n" + b.code)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", "-euo", "pipefail", "-c", script.String())
	cmd.Dir = t.TempDir() // the walkthrough must not need the repository's files
	cmd.Env = append(os.Environ(), "IUP=http://"+srv.addr, "IUPD="+srv.bin, "IUP_DATA_DIR="+dir)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	runErr := cmd.Run()
	outputs := splitByBlock(out.String(), len(blocks))
	if runErr != nil {
		last := len(outputs) - 1
		t.Fatalf("walkthrough block %d failed (%v):\n%s\noutput:\n%s", last+1, runErr, blocks[last].code, tail(outputs[last], 30))
	}
	if len(outputs) != len(blocks) {
		t.Fatalf("%d blocks ran, README has %d", len(outputs), len(blocks))
	}

	for i, b := range blocks {
		lines := strings.Split(strings.TrimRight(outputs[i], "\n"), "\n")
		final := i == len(blocks)-1
		if final && len(lines) != len(b.expect) {
			t.Errorf("the reads print %d lines, README promises %d:\n%s", len(lines), len(b.expect), outputs[i])
		}
		next := 0
		for _, e := range b.expect {
			re := expectation(e)
			for next < len(lines) && !re.MatchString(lines[next]) {
				if final { // the reads print exactly what the README shows
					break
				}
				next++
			}
			if next >= len(lines) || !re.MatchString(lines[next]) {
				t.Errorf("block %d does not print %q (in order):\n%s", i+1, e, outputs[i])
				break
			}
			next++
		}
	}

	// Beyond the README's own promises: what issue 5 asks the flow to show.
	all := out.String()
	reads := outputs[len(outputs)-1]
	for _, must := range []string{`"reason":"Ett prov rättades fel."`, `"actor_id":"teacher1","role":"teacher"`,
		`"actor_id":"teacher1","actor_role":"teacher"`, `"assessments":[]`} {
		if !strings.Contains(reads, must) {
			t.Errorf("the reads lack %s:\n%s", must, reads)
		}
	}
	guardianReads := 0
	for i, b := range blocks {
		if strings.Contains(b.code, "acknowledgements") {
			guardianReads++
			if strings.Contains(outputs[i], "CANARY") || strings.Count(outputs[i], "Läsa mer varje dag") != 2 {
				t.Errorf("the guardians' reads of the plan, want school_does twice and never staff_notes:\n%s", outputs[i])
			}
		}
	}
	if guardianReads != 1 {
		t.Errorf("%d blocks where the guardians read and acknowledge, want 1", guardianReads)
	}
	// The canary's absence means something only if it is stored: the mentor sees it.
	sy := regexp.MustCompile(`school year (sy\d+):`).FindStringSubmatch(all)
	if sy == nil {
		t.Fatalf("the walkthrough does not print its school year:\n%s", tail(all, 20))
	}
	if body := mentorReadsPlan(t, srv, dir, "s1."+sy[1]+".HT"); !strings.Contains(body, "CANARY") {
		t.Errorf("the mentor's read of the plan lacks the staff-only field: %s", body)
	}
}

// splitByBlock cuts the script's output at the markers echoed before each block.
func splitByBlock(out string, n int) []string {
	var parts []string
	for _, line := range strings.SplitAfter(out, "\n") {
		if strings.HasPrefix(line, blockMarker) {
			parts = append(parts, "")
			continue
		}
		if len(parts) > 0 {
			parts[len(parts)-1] += line
		}
	}
	if len(parts) == 0 {
		parts = []string{out}
	}
	return parts
}

func mentorReadsPlan(t *testing.T, srv *served, dir, planID string) string {
	t.Helper()
	tok, err := exec.Command(srv.bin, "token", "--data-dir", dir, "--tenant", "kommun1", "--sub", "mentor1", "--role", "mentor").Output()
	if err != nil {
		t.Fatalf("token: %v", err)
	}
	req, _ := http.NewRequest(http.MethodGet, "http://"+srv.addr+"/v1/plans/"+planID, nil)
	req.Header.Set("Authorization", "Bearer "+strings.TrimSpace(string(tok)))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("read plan: %v", err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("mentor reads plan %s: %d %s", planID, resp.StatusCode, body)
	}
	return string(body)
}

// TestReadmeWalkthroughDatesAllYear runs the walkthrough's date block on
// every few days of a year (GNU date shifted to that day): HT must not have
// ended on the day the omdömen are written, the roster must be in force on
// the talk's day and on HT's new last day (yesterday), and moving HT's end
// to yesterday must keep it before VT.
func TestReadmeWalkthroughDatesAllYear(t *testing.T) {
	realDate, err := exec.LookPath("date")
	if err != nil {
		t.Skip("no date command")
	}
	if exec.Command(realDate, "-d", "2027-01-01 7 days ago", "+%F").Run() != nil {
		t.Skip("needs GNU date to move the clock")
	}
	var dates *shellBlock
	for _, b := range readWalkthrough(t) {
		if strings.Contains(b.code, "$(date +%F)") {
			dates = &b
			break
		}
	}
	if dates == nil {
		t.Fatal("the walkthrough has no block that takes the dates from today")
	}
	// A date command fixed at FAKE_TODAY, for "+%F", "+%Y" and "-d 'N days ago'".
	bin := t.TempDir()
	shim := "#!/bin/sh\nif [ \"$1\" = -d ]; then exec " + realDate + " -d \"$FAKE_TODAY $2\" \"$3\"; fi\nexec " +
		realDate + " -d \"$FAKE_TODAY\" \"$@\"\n"
	if err := os.WriteFile(filepath.Join(bin, "date"), []byte(shim), 0o755); err != nil {
		t.Fatal(err)
	}
	check := dates.code + `echo "$TODAY $(ago 1) $FROM $HT_START $HT_END $VT_START"` + "\n"
	var days []string
	for d := time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC); d.Year() == 2027; d = d.AddDate(0, 0, 3) {
		days = append(days, d.Format(time.DateOnly))
	}
	days = append(days, "2027-08-17", "2027-08-18", "2027-08-19", "2027-08-24", "2027-08-25", "2027-12-19", "2027-12-20", "2028-02-29")
	for _, day := range days {
		cmd := exec.Command("bash", "-euo", "pipefail", "-c", check)
		cmd.Env = append(os.Environ(), "PATH="+bin+string(os.PathListSeparator)+os.Getenv("PATH"), "FAKE_TODAY="+day)
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("%s: the date block fails: %v", day, err)
		}
		lines := strings.Split(strings.TrimSpace(string(out)), "\n")
		f := strings.Fields(lines[len(lines)-1])
		if len(f) != 6 || f[0] != day {
			t.Fatalf("%s: date block printed %q", day, out)
		}
		today, yesterday, from, htStart, htEnd, vtStart := f[0], f[1], f[2], f[3], f[4], f[5]
		switch { // ISO dates compare as strings
		case today > htEnd:
			t.Errorf("%s: HT %s..%s has already ended when the omdömen are written", day, htStart, htEnd)
		case from > htStart || from > yesterday:
			t.Errorf("%s: roster from %s is not in force on HT's start %s and on yesterday %s", day, from, htStart, yesterday)
		case yesterday >= vtStart:
			t.Errorf("%s: HT ending yesterday (%s) would not end before VT (%s)", day, yesterday, vtStart)
		}
	}
}
