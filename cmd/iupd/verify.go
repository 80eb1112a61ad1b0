package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/iup-platform/iup/domain/catalog"
	"github.com/iup-platform/iup/eventstore"
	"github.com/iup-platform/iup/eventstore/shred"
	"github.com/iup-platform/iup/eventstore/sqlite"
	"github.com/iup-platform/iup/projections"
	"github.com/iup-platform/iup/projections/views"
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

// verifyCommand checks the stored history. With --chain it re-reads the
// whole log and checks every content hash, stream link and the chained
// digest, naming each modified, removed, inserted or reordered event;
// --against also proves the history matches a digest exported earlier.
// Without --chain it does all of that and more: every event decodes and
// upcasts, every stream folds with its aggregate's decider, and every view
// rebuilt from the log equals, byte for byte, the running service's live
// view (--admin-url) or else a second independent rebuild.
func verifyCommand(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("verify", flag.ContinueOnError)
	var sf storeFlags
	sf.register(fs)
	chain := fs.Bool("chain", false, "verify only the tamper-evident hash chain of the event log")
	against := fs.String("against", "", "a digest file exported earlier with `iupd digest`")
	adminURL := fs.String("admin-url", "", "compare the views with those of the service running there (its operators' endpoints), e.g. http://127.0.0.1:8081")
	masterKey := fs.String("master-key-file", envOr("master-key-file", ""), "master key file, default DATA_DIR/master.key ("+envName("master-key-file")+")")
	if err := fs.Parse(args); err != nil {
		return err
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
	// Everything is checked up to the head as it is now: a service that
	// keeps writing does not move the target.
	head, err := store.HeadPosition(ctx)
	if err != nil {
		return fmt.Errorf("verify: %w", err)
	}
	total, err := countEvents(ctx, store, head)
	if err != nil {
		return fmt.Errorf("verify: %w", err)
	}

	prog := newProgress(stderr, "verify: chain", "events", int64(total))
	var seen uint64
	opts.Progress = func(n uint64) { prog.Add(int64(n - seen)); seen = n }
	chainProblems, digest, err := eventstore.VerifyChain(ctx, store, opts)
	prog.Done()
	if err != nil {
		return fmt.Errorf("verify: %w", err)
	}
	for _, p := range chainProblems {
		fmt.Fprintln(stdout, "TAMPERED:", p)
	}
	if *chain {
		if len(chainProblems) > 0 {
			return fmt.Errorf("verify: %d problem(s) in the history of %d events", len(chainProblems), digest.Events)
		}
		fmt.Fprintf(stdout, "chain intact: %d events, head %s, digest %s\n", digest.Events, digest.At, digest.Digest)
		return nil
	}
	if len(chainProblems) == 0 {
		fmt.Fprintf(stdout, "chain intact: %d events, head %s, digest %s\n", digest.Events, digest.At, digest.Digest)
	}

	codec, keys, err := openVerifyCodec(sf.dataDir, *masterKey)
	if err != nil {
		return fmt.Errorf("verify: %w", err)
	}
	defer keys.Close()
	var live liveSource
	if *adminURL != "" {
		live = adminViews{base: strings.TrimSuffix(*adminURL, "/"), client: &http.Client{Timeout: 10 * time.Minute}, retries: 5, pause: 200 * time.Millisecond}
	}
	problems, err := verifyAll(ctx, store, codec, head, total, views.All(), live, stdout, stderr)
	if err != nil {
		return fmt.Errorf("verify: %w", err)
	}
	if n := len(chainProblems) + len(problems); n > 0 {
		return fmt.Errorf("verify: %d problem(s)", n)
	}
	return nil
}

// verifyAll runs the event and view checks up to head, prints each problem
// and a summary, and returns the problems.
func verifyAll(ctx context.Context, store eventstore.Store, codec eventstore.Codec, head eventstore.Position, total int,
	vs []projections.Projection, live liveSource, stdout, stderr io.Writer) ([]problem, error) {
	prog := newProgress(stderr, "verify: events", "events", int64(total))
	problems, stats, err := checkEvents(ctx, store, codec, catalog.Events, verifyKinds(), head, prog)
	prog.Done()
	if err != nil {
		return nil, err
	}
	for _, p := range problems {
		fmt.Fprintln(stdout, "PROBLEM", p)
	}
	fmt.Fprintf(stdout, "events: %d in %d streams decoded and folded (%d culled), %d problem(s)\n",
		stats.Events, stats.Streams, stats.Culled, len(problems))

	builds := 2
	if live != nil {
		builds = 1
	}
	prog = newProgress(stderr, "verify: views", "events", int64(total*builds*len(vs)))
	viewProblems, err := checkViews(ctx, store, codec, vs, head, live, prog)
	prog.Done()
	if err != nil {
		return nil, err
	}
	for _, p := range viewProblems {
		fmt.Fprintln(stdout, "PROBLEM", p)
	}
	against := "a second independent rebuild (give --admin-url to compare the live views)"
	if live != nil {
		against = "the live views at their checkpoints"
	}
	fmt.Fprintf(stdout, "views: %d rebuilt and compared with %s, %d problem(s)\n", len(vs), against, len(viewProblems))
	return append(problems, viewProblems...), nil
}

// countEvents counts the events up to head, for the progress bars.
func countEvents(ctx context.Context, store eventstore.Store, head eventstore.Position) (int, error) {
	n := 0
	for after := eventstore.Start; after.Before(head); {
		page, err := store.ReadAll(ctx, after, 5000)
		if err != nil {
			return 0, err
		}
		if len(page) == 0 {
			break
		}
		for _, rec := range page {
			if !head.Before(rec.Position) {
				n++
			}
		}
		after = page[len(page)-1].Position
	}
	return n, nil
}

// openVerifyCodec opens the sealing codec read-mostly: unlike the service
// it never creates a master key or a key store, since a fresh key would
// make every sealed event fail to open.
func openVerifyCodec(dataDir, masterKeyFile string) (*shred.Codec, io.Closer, error) {
	if masterKeyFile == "" {
		masterKeyFile = filepath.Join(dataDir, "master.key")
	}
	keysPath := filepath.Join(dataDir, "keys.db")
	for _, f := range []string{masterKeyFile, keysPath} {
		if _, err := os.Stat(f); err != nil {
			return nil, nil, fmt.Errorf("the sealed content needs %s: %w", filepath.Base(f), err)
		}
	}
	mk, err := shred.OpenFileMasterKey(masterKeyFile)
	if err != nil {
		return nil, nil, err
	}
	ks, err := shred.OpenSQLiteKeyStore(keysPath)
	if err != nil {
		return nil, nil, err
	}
	return shred.NewCodec(catalog.Events, shred.NewKeyring(mk, ks)), ks, nil
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
