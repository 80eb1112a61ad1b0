package sqlite

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/iup-platform/iup/eventstore"
)

// ack is one acknowledged append as the crash writer printed it.
type ack struct {
	writer   int
	stream   string
	revision uint64
	position uint64
	ids      []uuid.UUID
	sums     []string
}

func parseAck(line string) (ack, error) {
	f := strings.Fields(line)
	if len(f) != 6 || f[0] != "ack" {
		return ack{}, fmt.Errorf("malformed ack %q", line)
	}
	a := ack{stream: f[2]}
	var err error
	if a.writer, err = strconv.Atoi(f[1]); err != nil {
		return ack{}, err
	}
	if a.revision, err = strconv.ParseUint(f[3], 10, 64); err != nil {
		return ack{}, err
	}
	if a.position, err = strconv.ParseUint(f[4], 10, 64); err != nil {
		return ack{}, err
	}
	for _, pair := range strings.Split(f[5], ",") {
		id, sum, ok := strings.Cut(pair, ":")
		u, err := uuid.Parse(id)
		if !ok || err != nil {
			return ack{}, fmt.Errorf("malformed event %q in ack", pair)
		}
		a.ids, a.sums = append(a.ids, u), append(a.sums, sum)
	}
	return a, nil
}

// TestCrashKeepsEveryAcknowledgedAppend kills a writer process with SIGKILL
// at random moments and checks the reopened store: every acknowledged
// append is there, intact and in order, no transaction is half visible, and
// the store takes appends again. IUP_CRASH_ROUNDS sets the number of rounds.
func TestCrashKeepsEveryAcknowledgedAppend(t *testing.T) {
	rounds := 5
	if v := os.Getenv("IUP_CRASH_ROUNDS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			t.Fatalf("IUP_CRASH_ROUNDS=%q is not a positive number", v)
		}
		rounds = n
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "crashwriter")
	// Without -race: pure-Go SQLite under the race detector is about ten
	// times slower, and the point is to kill a writer at full speed.
	build := exec.Command("go", "build", "-o", bin, "./internal/crashwriter")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build crash writer: %v\n%s", err, out)
	}
	var total, found int
	for round := range rounds {
		// A database lives through ten crashes before a fresh one starts, so
		// recovery after recovery is exercised without the file growing
		// without bound.
		path := filepath.Join(dir, fmt.Sprintf("db%d", round/10), "events.db")
		acks := crashOnce(t, bin, path, fmt.Sprintf("r%d", round))
		n := verifyAfterCrash(t, path, acks)
		total += len(acks)
		found += n
		t.Logf("crash round %d: acknowledged=%d found=%d lost=0 corrupt=0", round+1, len(acks), n)
	}
	t.Logf("crash test: rounds=%d acknowledged=%d found=%d lost=0 corrupt=0", rounds, total, found)
}

// crashOnce runs the writer until a random number of acknowledgements (and
// a random extra moment) have passed, SIGKILLs it, and returns every
// complete ack line it printed.
func crashOnce(t *testing.T, bin, path, run string) []ack {
	t.Helper()
	cmd := exec.Command(bin, "-path", path, "-run", run)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatalf("start crash writer: %v", err)
	}
	killAfter := 1 + rand.IntN(400)
	if rand.IntN(5) == 0 {
		killAfter = 400 + rand.IntN(4000) // late enough for WAL checkpoints to run
	}
	var acks []ack
	r := bufio.NewReaderSize(stdout, 1<<16)
	killed := false
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			break // EOF after the kill; a cut-off last line was never acknowledged
		}
		a, perr := parseAck(line)
		if perr != nil {
			t.Fatalf("crash writer: %v", perr)
		}
		acks = append(acks, a)
		if !killed && len(acks) >= killAfter {
			time.Sleep(time.Duration(rand.IntN(20_000)) * time.Microsecond)
			if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
				t.Fatalf("kill: %v", err)
			}
			killed = true
		}
	}
	err = cmd.Wait()
	var exit *exec.ExitError
	if !killed || !errors.As(err, &exit) || exit.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
		t.Fatalf("crash writer ended by itself (%v) after %d acks: %s", err, len(acks), stderr.String())
	}
	return acks
}

// verifyAfterCrash reopens the store and checks it against the acks; it
// returns how many acknowledged appends were found intact.
func verifyAfterCrash(t *testing.T, path string, acks []ack) int {
	t.Helper()
	ctx := context.Background()
	s, err := Open(path)
	if err != nil {
		t.Fatalf("reopen after crash: %v", err)
	}
	defer func() { _ = s.Close() }()
	found := 0
	lastByWriter := map[int]uint64{}
	lastByStream := map[string]uint64{}
	for _, a := range acks {
		// Each writer appends sequentially: its acks must be in log order,
		// across streams too.
		if p, ok := lastByWriter[a.writer]; ok && a.position <= p {
			t.Fatalf("writer %d: ack at position %d after one at %d", a.writer, a.position, p)
		}
		if p, ok := lastByStream[a.stream]; ok && a.position <= p {
			t.Fatalf("stream %s: ack at position %d after one at %d", a.stream, a.position, p)
		}
		lastByWriter[a.writer], lastByStream[a.stream] = a.position, a.position
		n := uint64(len(a.ids))
		got, err := s.ReadStream(ctx, a.stream, eventstore.ReadStreamOptions{From: a.revision + 1 - n, Limit: int(n)})
		if err != nil || uint64(len(got)) != n {
			t.Fatalf("LOST: ack %s@%d (%d events): read %d, %v", a.stream, a.revision, n, len(got), err)
		}
		for i, ev := range got {
			sum := sha256.Sum256(ev.Data)
			if ev.ID != a.ids[i] || hex.EncodeToString(sum[:8]) != a.sums[i] {
				t.Fatalf("CORRUPT: ack %s@%d event %d: stored %s with checksum %x, acknowledged %s with %s",
					a.stream, a.revision, i, ev.ID, sum[:8], a.ids[i], a.sums[i])
			}
		}
		if got[n-1].Position.Commit != a.position {
			t.Fatalf("ack %s@%d: acknowledged position %d, stored %d", a.stream, a.revision, a.position, got[n-1].Position.Commit)
		}
		found++
	}
	checkWholeLog(t, s)
	// Usable again: an append commits and reads back.
	res, err := s.Append(ctx, "after-crash-"+uuid.NewString(), eventstore.NoStream(), event(`{"after":"crash"}`))
	if err != nil {
		t.Fatalf("append after crash: %v", err)
	}
	if head, _ := s.HeadPosition(ctx); head != res.Position {
		t.Fatalf("head %v after the append at %v", head, res.Position)
	}
	return found
}

// checkWholeLog checks every stored event: global positions increase,
// streams are dense from revision 0 with positions rising with revisions,
// each stored append is complete, and streams agrees with events.
func checkWholeLog(t *testing.T, s *Store) {
	t.Helper()
	var broken int
	err := s.reader.QueryRow(`SELECT count(*) FROM (
		SELECT stream, append_first, append_last, count(*) AS n FROM events
		GROUP BY stream, append_first HAVING n != append_last - append_first + 1)`).Scan(&broken)
	if err != nil || broken != 0 {
		t.Fatalf("HALF-WRITTEN: %d appends are incomplete (%v)", broken, err)
	}
	err = s.reader.QueryRow(`SELECT count(*) FROM streams s WHERE s.revision !=
		(SELECT max(revision) FROM events e WHERE e.stream = s.stream)`).Scan(&broken)
	if err != nil || broken != 0 {
		t.Fatalf("%d streams disagree with their events (%v)", broken, err)
	}
	next := map[string]uint64{}
	lastPos := map[string]eventstore.Position{}
	after := eventstore.Start
	for {
		page, err := s.ReadAll(context.Background(), after, 5000)
		if err != nil {
			t.Fatalf("read all: %v", err)
		}
		if len(page) == 0 {
			return
		}
		for _, ev := range page {
			if !after.Before(ev.Position) {
				t.Fatalf("position %v after %v", ev.Position, after)
			}
			if ev.Revision != next[ev.Stream] {
				t.Fatalf("stream %s: revision %d where %d was due", ev.Stream, ev.Revision, next[ev.Stream])
			}
			if p, ok := lastPos[ev.Stream]; ok && !p.Before(ev.Position) {
				t.Fatalf("stream %s: revision %d at %v, not after %v", ev.Stream, ev.Revision, ev.Position, p)
			}
			next[ev.Stream], lastPos[ev.Stream], after = ev.Revision+1, ev.Position, ev.Position
		}
	}
}
