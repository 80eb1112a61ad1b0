// Command crashwriter appends to an event store from many goroutines until
// it is killed, printing one line per acknowledged append. The crash test
// SIGKILLs it at a random moment and then checks the store against what was
// acknowledged.
//
// Line format (space separated, one write per line):
//
//	ack WRITER STREAM REVISION POSITION ID:SHA,ID:SHA,...
package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"strings"
	"sync"

	"github.com/iup-platform/iup/eventstore"
	"github.com/iup-platform/iup/eventstore/sqlite"
)

func main() {
	path := flag.String("path", "", "event store file")
	run := flag.String("run", "r", "prefix for this run's stream names")
	writers := flag.Int("writers", 16, "concurrent writers")
	flag.Parse()
	store, err := sqlite.Open(*path)
	if err != nil {
		slog.Error("open", "err", err)
		os.Exit(1)
	}
	var out sync.Mutex
	var wg sync.WaitGroup
	for w := range *writers {
		wg.Go(func() { write(store, *run, w, &out) })
	}
	wg.Wait()
}

// checksum is the first 8 bytes of SHA-256, hex; the crash test computes
// the same from the stored data.
func checksum(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:8])
}

func write(store *sqlite.Store, run string, w int, out *sync.Mutex) {
	rng := rand.New(rand.NewPCG(uint64(w), rand.Uint64()))
	owned := map[string]uint64{} // streams only this writer appends to: revision after its last append
	for i := 0; ; i++ {
		var stream string
		var exp eventstore.ExpectedRevision
		switch r := rng.IntN(10); {
		case r < 6: // exact expectation on one of three own streams
			stream = fmt.Sprintf("%s-w%d-exact%d", run, w, rng.IntN(3))
			exp = eventstore.NoStream()
			if rev, ok := owned[stream]; ok {
				exp = eventstore.Exact(rev)
			}
		case r < 8:
			stream = fmt.Sprintf("%s-w%d-any", run, w)
			exp = eventstore.Any()
		default:
			stream = fmt.Sprintf("%s-w%d-new%d", run, w, i)
			exp = eventstore.NoStream()
		}
		evs := make([]eventstore.EventData, 1+rng.IntN(4))
		sums := make([]string, len(evs))
		for j := range evs {
			evs[j] = eventstore.EventData{
				ID: eventstore.NewEventID(), Type: "crash.appended", SchemaVersion: 1,
				Data:     payload(rng, w, i, j),
				Metadata: eventstore.Metadata{Tenant: "crash", ActorRole: "system"},
			}
			sums[j] = evs[j].ID.String() + ":" + checksum(evs[j].Data)
		}
		res, err := store.Append(context.Background(), stream, exp, evs...)
		if err != nil {
			slog.Error("append", "stream", stream, "err", err)
			os.Exit(2)
		}
		owned[stream] = res.Revision
		line := fmt.Sprintf("ack %d %s %d %d %s\n", w, stream, res.Revision, res.Position.Commit, strings.Join(sums, ","))
		out.Lock()
		_, err = os.Stdout.WriteString(line) // unbuffered: the line is out before the next append
		out.Unlock()
		if err != nil {
			os.Exit(3)
		}
	}
}

// payload is JSON of varied size: mostly small, sometimes large.
func payload(rng *rand.Rand, w, i, j int) []byte {
	n := 20 + rng.IntN(1500)
	switch r := rng.IntN(100); {
	case r == 0:
		n = 64<<10 + rng.IntN(192<<10)
	case r < 10:
		n = 1500 + rng.IntN(15000)
	}
	pad := make([]byte, n)
	for k := range pad {
		pad[k] = "abcdefghijklmnopqrstuvwxyzåäö"[rng.IntN(26)]
	}
	return fmt.Appendf(nil, `{"w":%d,"i":%d,"j":%d,"text":"Ämneslärare Åsa Öberg %s"}`, w, i, j, pad)
}
