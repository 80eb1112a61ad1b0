package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/iup-platform/iup/eventstore"
	"github.com/iup-platform/iup/eventstore/sqlite"
)

// storeFlags are the flags of the tools that open the event store directly.
type storeFlags struct {
	dataDir, events string
}

func (f *storeFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.dataDir, "data-dir", envOr("data-dir", "./data"), "folder of the embedded store ("+envName("data-dir")+")")
	fs.StringVar(&f.events, "events", envOr("events", ""), "event store URL, default sqlite:DATA_DIR/events.db ("+envName("events")+")")
}

// open opens the configured event store.
func (f *storeFlags) open() (eventstore.Store, error) {
	url := f.events
	if url == "" {
		url = "sqlite:" + filepath.Join(f.dataDir, "events.db")
	}
	path, ok := strings.CutPrefix(url, "sqlite:")
	if !ok {
		return nil, fmt.Errorf("events: unsupported store URL %q (want sqlite:PATH)", url)
	}
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("events: %w", err)
	}
	return sqlite.Open(path)
}

// verifyCommand checks the stored history. With --chain it re-reads the whole
// log and checks every content hash, stream link and the chained digest,
// naming each modified, removed, inserted or reordered event; --against
// also proves the history matches a digest exported earlier.
func verifyCommand(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("verify", flag.ContinueOnError)
	var sf storeFlags
	sf.register(fs)
	chain := fs.Bool("chain", false, "verify the tamper-evident hash chain of the event log")
	against := fs.String("against", "", "a digest file exported earlier with `iupd digest`")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if !*chain {
		return fmt.Errorf("verify: say what to verify: --chain")
	}
	var opts eventstore.VerifyOptions
	if *against != "" {
		b, err := os.ReadFile(*against)
		if err != nil {
			return fmt.Errorf("verify: %w", err)
		}
		d, err := eventstore.ParseDigest(b)
		if err != nil {
			return fmt.Errorf("verify: %s: %w", *against, err)
		}
		opts.Against = &d
	}
	store, err := sf.open()
	if err != nil {
		return err
	}
	defer store.Close()
	opts.Progress = progressLines(stderr, "verified")
	problems, head, err := eventstore.VerifyChain(ctx, store, opts)
	if err != nil {
		return fmt.Errorf("verify: %w", err)
	}
	for _, p := range problems {
		fmt.Fprintln(stdout, "TAMPERED:", p)
	}
	if len(problems) > 0 {
		return fmt.Errorf("verify: %d problem(s) in the history of %d events", len(problems), head.Events)
	}
	fmt.Fprintf(stdout, "chain intact: %d events, head %s, digest %s\n", head.Events, head.At, head.Digest)
	return nil
}

// digestCommand prints the chained digest of the log as JSON, for the
// organiser to keep outside the system.
func digestCommand(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("digest", flag.ContinueOnError)
	var sf storeFlags
	sf.register(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	store, err := sf.open()
	if err != nil {
		return err
	}
	defer store.Close()
	problems, head, err := eventstore.VerifyChain(ctx, store, eventstore.VerifyOptions{Progress: progressLines(stderr, "hashed")})
	if err != nil {
		return fmt.Errorf("digest: %w", err)
	}
	if len(problems) > 0 {
		return fmt.Errorf("digest: the history has %d problem(s); run `iupd verify --chain` first", len(problems))
	}
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(head)
}

// progressLines reports long work as plain log lines.
func progressLines(w io.Writer, verb string) func(uint64) {
	var last uint64
	return func(n uint64) {
		if n-last >= 100_000 {
			fmt.Fprintf(w, "%s %d events\n", verb, n)
			last = n
		}
	}
}
