package kurrent

import (
	"log/slog"
	"os"
	"testing"
	"time"

	"github.com/iup-platform/iup/eventstore"
	"github.com/iup-platform/iup/eventstore/kurrent/kurrenttest"
	"github.com/iup-platform/iup/eventstore/storetest"
)

// contractOptions: KurrentDB deduplicates reliably only at an exact
// expected revision and cannot tell a reused id from a retry; recorded-at
// comes from the adapter's (injected) clock because it is hashed before
// the append.
var contractOptions = storetest.Options{}

// testMaxAppendSize lets the suite's two 1 MiB events go in one append; a
// real server needs the same (KURRENTDB_MAX_APPEND_SIZE, see README).
const testMaxAppendSize = 4 << 20

func open(t *testing.T, url string, opts ...Option) *Store {
	t.Helper()
	opts = append([]Option{WithLogger(quietLogger()), WithRetry(6, 5*time.Millisecond, 100*time.Millisecond)}, opts...)
	s, err := Open(url, opts...)
	if err != nil {
		t.Fatalf("open %s: %v", url, err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func quietLogger() *slog.Logger {
	if os.Getenv("KURRENT_TEST_DEBUG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))
}

func TestContract(t *testing.T) {
	storetest.Run(t, func(t *testing.T, clock eventstore.Clock) eventstore.Store {
		srv := kurrenttest.New(t, kurrenttest.WithMaxAppendSize(testMaxAppendSize))
		// Like a fresh node, the log already holds system events.
		srv.AppendSystemEvent("$settings", "$settings")
		srv.AppendSystemEvent("$stats-127.0.0.1:2113", "$statsCollected")
		return open(t, srv.URL(), WithClock(clock))
	}, contractOptions)
}

// TestContractRealServer runs the same suite against a real KurrentDB.
func TestContractRealServer(t *testing.T) {
	url := os.Getenv("KURRENTDB_URL")
	if url == "" {
		t.Skip("KURRENTDB_URL is not set: to run the contract suite against a real KurrentDB, start one " +
			"(e.g. `docker compose up -d kurrentdb`, with KURRENTDB_MAX_APPEND_SIZE=4194304) and run " +
			"KURRENTDB_URL='esdb://localhost:2113?tls=false' go test ./eventstore/kurrent/ -run RealServer")
	}
	storetest.Run(t, func(t *testing.T, clock eventstore.Clock) eventstore.Store {
		return open(t, url, WithClock(clock))
	}, contractOptions)
}
