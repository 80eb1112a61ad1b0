// Command iupd is the IUP service: one binary whose subcommands run the
// whole service (serve) and its tools.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	_ "time/tzdata" // term dates are in the organiser's zone: never depend on the host's zoneinfo
)

const usage = `iupd: individual development plans, written assessments and development talks.

Usage:
  iupd serve [flags]     run the whole service on the embedded defaults
  iupd api [flags]       run the stateless HTTP half (views read from Redis)
  iupd project [flags]   run the projector half (forwarder and views, under Redis leases)
  iupd project --rebuild NAME   rebuild one view in the running service or projector
  iupd verify [--admin-url URL]   check everything: chain, events, folds, views (each difference named)
  iupd verify --chain    check the tamper-evident history only; names each altered event
  iupd digest            print the chained digest of the history, to keep elsewhere
  iupd backup --out FILE         consistent copy of the embedded store while it runs (not the master key)
  iupd restore --from FILE       bring a backup back into an empty data folder
  iupd cull              cull what the retention schedule says is due (also runs daily in serve)
  iupd erase --tenant T --student ID --admin ID --reason TEXT   lawful erasure of one student
  iupd export --tenant T --student ID [--format json|html]      everything stored about one student
  iupd token --sub ID --tenant T --role R [--ttl 1h]   mint an access token with the local key
  iupd probe --url URL   exit 0 when URL answers 2xx (container health checks)
  iupd loadgen [flags]   create an organiser through the API and drive a mixed load at fixed rates
  iupd version           print the version
  iupd help              this text

Run "iupd serve -h" for the flags; each is also an IUP_ environment variable.
`

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run dispatches a subcommand and returns the process exit code.
func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var err error
	switch args[0] {
	case "serve":
		err = serveCommand(ctx, args[1:], stderr)
	case "project":
		err = projectCommand(ctx, args[1:], stdout, stderr)
	case "api":
		err = apiCommand(ctx, args[1:], stderr)
	case "verify":
		err = verifyCommand(ctx, args[1:], stdout, stderr)
	case "digest":
		err = digestCommand(ctx, args[1:], stdout, stderr)
	case "backup":
		err = backupCommand(ctx, args[1:], stdout, stderr)
	case "restore":
		err = restoreCommand(ctx, args[1:], stdout, stderr)
	case "cull":
		err = cullCommand(ctx, args[1:], stderr)
	case "erase":
		err = eraseCommand(ctx, args[1:], stderr)
	case "export":
		err = exportCommand(ctx, args[1:], stdout, stderr)
	case "token":
		err = tokenCommand(ctx, args[1:], stdout)
	case "probe":
		err = probeCommand(ctx, args[1:])
	case "loadgen":
		err = loadgenCommand(ctx, args[1:], stdout, stderr)
	case "version":
		fmt.Fprintln(stdout, "iupd", version)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
	default:
		fmt.Fprintf(stderr, "iupd: unknown command %q\n\n%s", args[0], usage)
		return 2
	}
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintln(stderr, "iupd:", err)
		return 1
	}
	return 0
}

func newLogger(c Config, w io.Writer) *slog.Logger {
	opts := &slog.HandlerOptions{Level: c.LogLevel}
	if c.LogFormat == "text" {
		return slog.New(slog.NewTextHandler(w, opts))
	}
	return slog.New(slog.NewJSONHandler(w, opts))
}
