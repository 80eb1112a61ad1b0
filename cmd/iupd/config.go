package main

import (
	"flag"
	"fmt"
	"github.com/iup-platform/iup/eventstore"
	"github.com/iup-platform/iup/eventstore/sqlite"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Config is every setting of the service. Each one is a flag and an IUP_
// environment variable (the flag wins); the README's table lists them.
type Config struct {
	Addr            string
	DataDir         string
	Events          string // event store URL: sqlite:PATH (embedded) or esdb://... (KurrentDB)
	MasterKeyFile   string // wraps the per-student data keys; created on first start
	AdminAddr       string // operators' endpoints (projection status, rebuild); loopback by default
	AdminPprof      bool   // Go's /debug/pprof on the operators' listener
	LogLevel        slog.Level
	LogFormat       string // json or text
	ShutdownTimeout time.Duration
	// Authentication: the embedded issuer (a local key) unless a JWKS URL
	// names an external OIDC issuer.
	AuthIssuer         string
	AuthAudience       string
	AuthJWKSURL        string
	SigningKeyFile     string // the embedded issuer's private key; created on first start
	ConsistencyKeyFile string // signs consistency tokens; created on first start
	ReadHeaderTimeout,
	ReadTimeout,
	WriteTimeout,
	IdleTimeout time.Duration
	// Each caller's (tenant, subject) request budget on /v1.
	RateLimit float64 // requests per second; 0 turns it off
	RateBurst int
	// KeptStatesMB bounds the folded states commands keep between them
	// (eventstore.WithKeptStates); 0 folds every stream whole.
	KeptStatesMB int
	// StreamCacheMB bounds the embedded store's cache of stored events
	// (sqlite.WithStreamCache); 0 turns it off.
	StreamCacheMB int
	Dist          DistConfig // read models, bus and leases (distconfig.go)
}

// defaultIssuer is the iss of tokens the embedded issuer mints.
const defaultIssuer = "iupd-local"

// envName maps a flag name to its environment variable: data-dir -> IUP_DATA_DIR.
func envName(flagName string) string {
	return "IUP_" + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// newFlagSet declares the serve flags on fs, bound to c, with defaults
// taken from the environment where set.
func (c *Config) newFlagSet(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	str := func(p *string, flagName, def, usage string) {
		fs.StringVar(p, flagName, envOr(flagName, def), usage+" ("+envName(flagName)+")")
	}
	dur := func(p *time.Duration, flagName string, def time.Duration, usage string) {
		fs.DurationVar(p, flagName, def, usage+" ("+envName(flagName)+")")
	}
	str(&c.Addr, "addr", ":8080", "HTTP listen address")
	str(&c.DataDir, "data-dir", "./data", "folder for the embedded store and local keys")
	str(&c.Events, "events", "", "event store: sqlite:PATH (default sqlite:DATA_DIR/events.db)")
	str(&c.MasterKeyFile, "master-key-file", "", "master key that wraps the data keys (default DATA_DIR/master.key; created on first start)")
	str(&c.AdminAddr, "admin-addr", "127.0.0.1:8081", "listen address of the operators' endpoints (no auth: keep it on loopback); empty disables them")
	fs.BoolVar(&c.AdminPprof, "admin-pprof", envOr("admin-pprof", "") == "1", "serve Go's /debug/pprof profiles on --admin-addr (heap, goroutines, CPU) ("+envName("admin-pprof")+"=1)")
	str(&c.AuthIssuer, "auth-issuer", defaultIssuer, "expected iss of access tokens (the embedded issuer's name unless --auth-jwks-url is set)")
	str(&c.AuthAudience, "auth-audience", "iup-api", "expected aud of access tokens")
	str(&c.AuthJWKSURL, "auth-jwks-url", "", "JWKS URL of an external OIDC issuer; empty uses the embedded issuer's local key")
	str(&c.SigningKeyFile, "signing-key-file", "", "embedded issuer's signing key (default DATA_DIR/signing-key.jwk; created on first start)")
	str(&c.ConsistencyKeyFile, "consistency-key-file", "", "key that signs consistency tokens; share it between API nodes (default DATA_DIR/consistency.key; created on first start)")
	str(&c.LogFormat, "log-format", "json", "log format: json or text")
	fs.TextVar(&c.LogLevel, "log-level", levelOr("log-level", slog.LevelInfo), "log level: debug, info, warn, error ("+envName("log-level")+")")
	dur(&c.ShutdownTimeout, "shutdown-timeout", 30*time.Second, "how long SIGTERM waits for in-flight requests")
	dur(&c.ReadHeaderTimeout, "read-header-timeout", 5*time.Second, "server timeout for request headers")
	dur(&c.ReadTimeout, "read-timeout", 30*time.Second, "server timeout for a whole request body")
	dur(&c.WriteTimeout, "write-timeout", 60*time.Second, "server timeout for writing a response (SSE streams extend it)")
	dur(&c.IdleTimeout, "idle-timeout", 120*time.Second, "server timeout for idle keep-alive connections")
	// Generous: loadgen's busiest single caller (the admin's setup, 8
	// requests at once) stays under it; a runaway script does not.
	fs.Float64Var(&c.RateLimit, "rate-limit", 500, "requests per second each caller (tenant and subject) may keep up on /v1; 0 turns the limit off ("+envName("rate-limit")+")")
	fs.IntVar(&c.RateBurst, "rate-burst", 1000, "requests each caller may send at once after a pause ("+envName("rate-burst")+")")
	fs.IntVar(&c.StreamCacheMB, "stream-cache-mb", sqlite.DefaultStreamCache>>20, "iupd serve: megabytes of stored events kept in memory for reads of recent streams; 0 keeps none ("+envName("stream-cache-mb")+")")
	fs.IntVar(&c.KeptStatesMB, "kept-states-mb", eventstore.DefaultKeptStateBytes>>20, "megabytes of folded records that commands keep between them, so a record with a long history is not read whole for every change; 0 keeps none ("+envName("kept-states-mb")+")")
	c.Dist.declare(fs)
	return fs
}

// parse reads args and the environment, then validates.
func (c *Config) parse(name string, args []string) error {
	fs := c.newFlagSet(name)
	// Durations come from the environment after declaration so a bad value
	// is reported as the variable's fault, not silently ignored.
	for _, f := range []string{"shutdown-timeout", "read-header-timeout", "read-timeout", "write-timeout", "idle-timeout", "rate-limit", "rate-burst", "kept-states-mb", "stream-cache-mb"} {
		if v, ok := os.LookupEnv(envName(f)); ok {
			if err := fs.Set(f, v); err != nil {
				return fmt.Errorf("%s: %w", envName(f), err)
			}
		}
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if c.Events == "" {
		c.Events = "sqlite:" + filepath.Join(c.DataDir, "events.db")
	}
	if c.MasterKeyFile == "" {
		c.MasterKeyFile = filepath.Join(c.DataDir, "master.key")
	}
	if c.SigningKeyFile == "" {
		c.SigningKeyFile = filepath.Join(c.DataDir, "signing-key.jwk")
	}
	if c.ConsistencyKeyFile == "" {
		c.ConsistencyKeyFile = filepath.Join(c.DataDir, "consistency.key")
	}
	if c.RateLimit < 0 || c.RateBurst < 1 {
		return fmt.Errorf("rate-limit must be 0 or more and rate-burst 1 or more")
	}
	if c.KeptStatesMB < 0 || c.StreamCacheMB < 0 {
		return fmt.Errorf("kept-states-mb and stream-cache-mb must be 0 or more")
	}
	if c.LogFormat != "json" && c.LogFormat != "text" {
		return fmt.Errorf("log-format must be json or text, not %q", c.LogFormat)
	}
	return c.Dist.validate(name)
}

func envOr(flagName, def string) string {
	if v, ok := os.LookupEnv(envName(flagName)); ok {
		return v
	}
	return def
}

func levelOr(flagName string, def slog.Level) slog.Level {
	if v, ok := os.LookupEnv(envName(flagName)); ok {
		var l slog.Level
		if l.UnmarshalText([]byte(v)) == nil {
			return l
		}
	}
	return def
}
