package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// DistConfig is the distributed mode's part of Config: where read models
// and the bus live, and how projectors share the work.
type DistConfig struct {
	ReadModels  string // "memory" or a redis:// URL
	Bus         string // "gochannel" or "redisstream" (on the read models' Redis)
	RedisPrefix string // every Redis key starts with it, so deployments can share a server
	LeaseTTL    time.Duration
	Batch       int    // events per read-model write
	Holder      string // this process's name in the leases (default: host name and pid)

	envErr error // a malformed IUP_ variable, reported by validate
}

// declare adds the distributed flags to fs, with defaults from IUP_ variables.
func (d *DistConfig) declare(fs *flag.FlagSet) {
	str := func(p *string, name, def, usage string) {
		fs.StringVar(p, name, envOr(name, def), usage+" ("+envName(name)+")")
	}
	str(&d.ReadModels, "readmodels", "memory", "read-model store: memory (rebuilt at start) or redis://[user:password@]host:port/db")
	str(&d.Bus, "bus", "gochannel", "event bus to the projectors: gochannel (in process) or redisstream (Redis Streams on the read models' Redis)")
	str(&d.RedisPrefix, "redis-prefix", "iup:", "prefix of every Redis key (views, checkpoints, the bus stream, leases)")
	str(&d.Holder, "holder", "", "this projector's name in the leases (default: host name and process id)")
	ttl := 15 * time.Second
	if v, ok := os.LookupEnv(envName("lease-ttl")); ok {
		var err error
		if ttl, err = time.ParseDuration(v); err != nil {
			d.envErr = errors.Join(d.envErr, fmt.Errorf("%s: %w", envName("lease-ttl"), err))
		}
	}
	fs.DurationVar(&d.LeaseTTL, "lease-ttl", ttl, "a projector's lease on a view lasts this long unless renewed (every third of it); a dead projector's views are taken over after at most this ("+envName("lease-ttl")+")")
	batch := 500
	if v, ok := os.LookupEnv(envName("projection-batch")); ok {
		var err error
		if batch, err = strconv.Atoi(v); err != nil {
			d.envErr = errors.Join(d.envErr, fmt.Errorf("%s: %w", envName("projection-batch"), err))
		}
	}
	fs.IntVar(&d.Batch, "projection-batch", batch, "events per read-model write ("+envName("projection-batch")+")")
}

// validate checks the distributed settings for the named subcommand.
func (d *DistConfig) validate(cmd string) error {
	if d.envErr != nil {
		return d.envErr
	}
	if d.ReadModels != "memory" {
		if _, err := d.redisOptions(); err != nil {
			return err
		}
	}
	switch d.Bus {
	case "gochannel", "redisstream":
	default:
		return fmt.Errorf("bus must be gochannel or redisstream, not %q", d.Bus)
	}
	if d.LeaseTTL < 100*time.Millisecond {
		return fmt.Errorf("lease-ttl %s is too short", d.LeaseTTL)
	}
	if d.Batch <= 0 {
		return fmt.Errorf("projection-batch must be positive, not %d", d.Batch)
	}
	switch cmd {
	case "serve":
		// The all-in-one process keeps everything in itself.
		if d.ReadModels != "memory" || d.Bus != "gochannel" {
			return errors.New("serve runs the embedded read side (--readmodels memory, --bus gochannel); run `iupd api` and `iupd project` for Redis")
		}
	case "api", "project":
		// Separate processes share views and the bus only through Redis.
		if d.ReadModels == "memory" || d.Bus != "redisstream" {
			return fmt.Errorf("%s needs --readmodels redis://... and --bus redisstream: the halves meet only in Redis", cmd)
		}
	}
	if d.Holder == "" {
		host, _ := os.Hostname()
		d.Holder = fmt.Sprintf("%s-%d", host, os.Getpid())
	}
	return nil
}

// redisOptions parses --readmodels as a go-redis URL (redis:// or rediss://).
func (d *DistConfig) redisOptions() (*redis.Options, error) {
	if !strings.HasPrefix(d.ReadModels, "redis://") && !strings.HasPrefix(d.ReadModels, "rediss://") {
		return nil, fmt.Errorf("readmodels must be memory or a redis:// URL, not %q", redactURL(d.ReadModels))
	}
	opts, err := redis.ParseURL(d.ReadModels)
	if err != nil {
		return nil, fmt.Errorf("readmodels %s: %w", redactURL(d.ReadModels), err)
	}
	return opts, nil
}

// redactURL drops credentials before a URL goes into an error or a log.
func redactURL(u string) string {
	scheme, rest, ok := strings.Cut(u, "://")
	if !ok {
		return u
	}
	if at := strings.LastIndex(rest, "@"); at >= 0 {
		rest = "***@" + rest[at+1:]
	}
	return scheme + "://" + rest
}
