package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/iup-platform/iup/cmd/iupd/internal/loadgen"
	"github.com/iup-platform/iup/domain"
	"github.com/iup-platform/iup/handlers/auth"
)

// loadgenCommand creates an organiser through the API of a running service
// and drives a mixed workload at fixed rates (see the README's loadgen
// section). Tokens are minted with the service's local signing key.
func loadgenCommand(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("loadgen", flag.ContinueOnError)
	url := fs.String("url", "http://127.0.0.1:8080", "base URL of the service")
	dataDir := fs.String("data-dir", envOr("data-dir", "./data"), "data folder of the service, for its signing key")
	keyFile := fs.String("token-key", "", "the service's signing key (default DATA_DIR/signing-key.jwk)")
	issuer := fs.String("issuer", envOr("auth-issuer", defaultIssuer), "iss of the minted tokens")
	audience := fs.String("audience", envOr("auth-audience", "iup-api"), "aud of the minted tokens")
	tenant := fs.String("tenant", "", "organiser to create; must be new (default lg + the start time)")
	var cfg loadgen.Config
	fs.IntVar(&cfg.Size.Schools, "schools", 1, "schools")
	fs.IntVar(&cfg.Size.ClassesPerGrade, "classes-per-grade", 2, "classes in each of grades 1-9")
	fs.IntVar(&cfg.Size.StudentsPerClass, "students-per-class", 25, "students a class")
	fs.IntVar(&cfg.Size.CoursesPerClass, "courses-per-class", 4, "courses (subjects) a class reads, each with a teacher and an assessment round")
	seed := fs.Uint64("seed", 1, "seed of the organiser's shape and the workload's choices")
	fs.Float64Var(&cfg.RateWrites, "rate-writes", 300, "writes per second (open loop)")
	fs.Float64Var(&cfg.RateReads, "rate-reads", 1500, "reads per second (open loop)")
	fs.DurationVar(&cfg.Duration, "duration", time.Minute, "how long to drive the workload after the setup")
	fs.IntVar(&cfg.MaxInFlight, "max-in-flight", 256, "requests of each kind in flight at most")
	fs.DurationVar(&cfg.Timeout, "timeout", 10*time.Second, "timeout of one request")
	fs.IntVar(&cfg.SetupParallel, "setup-parallel", 8, "setup requests at once")
	fs.Float64Var(&cfg.ProbeShare, "probe-share", 0.02, "share of writes whose append-to-visible staleness is measured")
	fs.BoolVar(&cfg.NoTokens, "no-tokens", false, "send reads without consistency tokens")
	mix := fs.String("mix", "", "operation weights over the default mix, e.g. teacher.bulk-level=0,mentor.overview=40")
	fs.StringVar(&cfg.History, "history", "", `after the setup, write a history for every student: "year" is one school year (HT and VT) through the bulk endpoints; then the workload runs for --duration (0: none)`)
	jsonOut := fs.String("json", "", "also write the report as JSON to this file")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("loadgen: unexpected argument %q", fs.Arg(0))
	}
	var err error
	if cfg.Mix, err = loadgen.ParseMix(*mix); err != nil {
		return err
	}
	cfg.Seed, cfg.URL, cfg.Tenant = *seed, *url, *tenant
	if cfg.Tenant == "" {
		cfg.Tenant = "lg" + time.Now().UTC().Format("20060102T150405")
	}
	if *keyFile == "" {
		*keyFile = filepath.Join(*dataDir, "signing-key.jwk")
	}
	if _, err := os.Stat(*keyFile); err != nil {
		// Never create a key here: a fresh key would mint tokens the service refuses.
		return fmt.Errorf("loadgen: the service's signing key: %w (give --data-dir or --token-key)", err)
	}
	iss, err := auth.OpenLocalIssuer(*keyFile)
	if err != nil {
		return fmt.Errorf("loadgen: %w", err)
	}
	// Tokens outlive the setup and the run.
	ttl := cfg.Duration + 2*time.Hour
	if cfg.History != "" {
		ttl += 24 * time.Hour // a municipality's year takes a while to write
	}
	cfg.Minter = minter{iss: iss, issuer: *issuer, audience: *audience, tenant: cfg.Tenant, ttl: ttl}
	cfg.Logger = slog.New(slog.NewTextHandler(stderr, nil))
	cfg.Progress = newProgress(stderr, "loadgen setup", "requests", 0)
	// Made when the history starts, so its rate and time left count from then.
	cfg.HistoryProgress = &lateProgress{make: func() loadgen.Progress { return newProgress(stderr, "loadgen history", "jobs", 0) }}

	rep, err := loadgen.Run(ctx, cfg)
	if err != nil {
		return err
	}
	if err := rep.WriteTable(stdout); err != nil {
		return err
	}
	if *jsonOut != "" {
		raw, err := json.MarshalIndent(rep, "", "  ")
		if err != nil {
			return fmt.Errorf("loadgen: report: %w", err)
		}
		if err := os.WriteFile(*jsonOut, append(raw, '\n'), 0o644); err != nil {
			return fmt.Errorf("loadgen: write the report: %w", err)
		}
	}
	if n := rep.Writes.Status5xx + rep.Reads.Status5xx; n > 0 {
		return fmt.Errorf("loadgen: %d answers were 5xx", n)
	}
	return nil
}

// minter mints tokens of one organiser with the service's local key.
type minter struct {
	iss              *auth.LocalIssuer
	issuer, audience string
	tenant           string
	ttl              time.Duration
}

func (m minter) Mint(subject, role string) (string, error) {
	if subject == "" {
		return "", errors.New("no subject")
	}
	return m.iss.Mint(auth.TokenRequest{Issuer: m.issuer, Audience: m.audience, Subject: subject, Tenant: m.tenant,
		Roles: []domain.Role{domain.Role(role)}, Now: time.Now(), TTL: m.ttl})
}

// lateProgress starts its progress report at the first call.
type lateProgress struct {
	once sync.Once
	make func() loadgen.Progress
	p    loadgen.Progress
}

func (l *lateProgress) get() loadgen.Progress {
	l.once.Do(func() { l.p = l.make() })
	return l.p
}

func (l *lateProgress) SetTotal(total int64) { l.get().SetTotal(total) }
func (l *lateProgress) Add(n int64)          { l.get().Add(n) }
func (l *lateProgress) Done()                { l.get().Done() }
