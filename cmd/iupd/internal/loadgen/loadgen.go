// Package loadgen creates a realistic organiser through the HTTP API and
// drives a mixed, open-loop workload against it: requests are sent on a
// fixed schedule and timed from the moment they were due, so a slow service
// shows as latency instead of as fewer requests (no coordinated omission).
package loadgen

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"
)

// Minter mints an access token for one person of the organiser in a role.
type Minter interface {
	Mint(subject, role string) (string, error)
}

// Progress reports the setup (the command line's bar or log lines).
type Progress interface {
	SetTotal(total int64)
	Add(n int64)
	Done()
}

// Config is one load run.
type Config struct {
	URL    string // the service's base URL
	Tenant string // the organiser to create (must be new)
	Size   Size
	Seed   uint64
	// RateWrites and RateReads are requests per second, each on its own
	// schedule; either may be 0.
	RateWrites, RateReads float64
	Duration              time.Duration
	// MaxInFlight bounds the requests of each kind in flight; when all are
	// busy the next one waits, and its wait counts in its latency.
	MaxInFlight int
	Timeout     time.Duration // of one request
	// SetupParallel is how many setup requests run at once.
	SetupParallel int
	// ProbeShare is the share of writes (0-1) whose append-to-visible
	// staleness is measured.
	ProbeShare float64
	// NoTokens sends reads without consistency tokens.
	NoTokens bool
	Mix      MixWeights
	// History, when HistoryYear, writes one school year (HT and VT) for
	// every student through the API after the setup, before the workload.
	History         string
	Minter          Minter
	Progress        Progress
	HistoryProgress Progress // of the history; none when nil
	Logger          *slog.Logger
	Now             func() time.Time // the school calendar's clock; time.Now when nil
}

// Role names as tokens carry them.
const (
	roleAdmin    = "admin"
	roleMentor   = "mentor"
	roleTeacher  = "teacher"
	roleStudent  = "student"
	roleGuardian = "guardian"
)

// Defaults fills what is unset.
func (c *Config) defaults() {
	if c.MaxInFlight <= 0 {
		c.MaxInFlight = 256
	}
	if c.Timeout <= 0 {
		c.Timeout = 10 * time.Second
	}
	if c.SetupParallel <= 0 {
		c.SetupParallel = 8
	}
	if c.Mix == nil {
		c.Mix = DefaultMix()
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.Progress == nil {
		c.Progress = noProgress{}
	}
	if c.HistoryProgress == nil {
		c.HistoryProgress = noProgress{}
	}
}

func (c *Config) validate() error {
	switch {
	case c.URL == "":
		return errors.New("loadgen: the service URL is required")
	case c.Tenant == "":
		return errors.New("loadgen: the tenant is required")
	case c.Minter == nil:
		return errors.New("loadgen: a token minter is required")
	case c.Size.Schools < 1 || c.Size.ClassesPerGrade < 1 || c.Size.StudentsPerClass < 1 || c.Size.CoursesPerClass < 1:
		return errors.New("loadgen: schools, classes per grade, students per class and courses per class must each be at least 1")
	case c.Size.StudentsPerClass > 100:
		return errors.New("loadgen: at most 100 students a class (bulk requests take a class)")
	case c.RateWrites < 0 || c.RateReads < 0:
		return errors.New("loadgen: rates must not be negative")
	case c.Duration < 0:
		return errors.New("loadgen: duration must not be negative")
	case c.History != "" && c.History != HistoryYear:
		return fmt.Errorf("loadgen: history %q: the one history is %q", c.History, HistoryYear)
	case c.ProbeShare < 0 || c.ProbeShare > 1:
		return errors.New("loadgen: the probe share is between 0 and 1")
	}
	return c.Mix.validate()
}

type noProgress struct{}

func (noProgress) SetTotal(int64) {}
func (noProgress) Add(int64)      {}
func (noProgress) Done()          {}

// generator is one run's state.
type generator struct {
	cfg    Config
	org    *Organiser
	client *client
	rec    *recorder

	tokens sync.Map // subject/role -> bearer token

	setupReqs atomic.Int64
	seq       atomic.Int64 // makes every written text unique

	mu         sync.Mutex
	byStudent  map[*Student]string // latest consistency token of a write about a student
	byClass    map[*Class]string
	byCourse   map[*Course]string
	lastWrite  map[string]int64 // target -> seq of the latest write sent to it (staleness probes)
	scheduled  []talk           // talks booked, not yet held
	held       []talk           // talks held, with guardians yet to acknowledge
	nextTalkID int
}

// talk is a development talk the workload booked.
type talk struct {
	id      string
	student *Student
	pending []*Guardian // guardians who have not acknowledged
}

// Run sets up the organiser and drives the workload; the report is
// returned also when the context ends the run early.
func Run(ctx context.Context, cfg Config) (*Report, error) {
	cfg.defaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	org, size := newOrganiser(cfg.Tenant, cfg.Size, cfg.Seed, cfg.Now())
	g := &generator{cfg: cfg, org: org, rec: newRecorder(),
		client:    newClient(cfg.URL, 2*cfg.MaxInFlight+cfg.SetupParallel, cfg.Timeout),
		byStudent: map[*Student]string{}, byClass: map[*Class]string{}, byCourse: map[*Course]string{},
		lastWrite: map[string]int64{}}
	defer g.client.close()
	rep := &Report{Tenant: cfg.Tenant, Organiser: size, Mix: cfg.Mix, Started: time.Now().UTC()}

	cfg.Logger.Info("loadgen setup", "tenant", cfg.Tenant, "students", size.Students, "guardians", size.Guardians,
		"courses", size.Courses, "term", org.Calendar.Current)
	setupStart := time.Now()
	eventsBefore := g.eventsAppended(ctx)
	err := runPhases(ctx, g.setupPhases(), cfg.SetupParallel, cfg.Progress, true)
	cfg.Progress.Done()
	rep.SetupTime, rep.SetupReqs = time.Since(setupStart).Seconds(), g.setupReqs.Load()
	if err != nil {
		return nil, fmt.Errorf("loadgen setup: %w", err)
	}
	if cfg.History != "" {
		setupEvents := int64(-1)
		if after := g.eventsAppended(ctx); eventsBefore >= 0 && after >= 0 {
			setupEvents = after - eventsBefore
		}
		if rep.History, err = g.runHistory(ctx, setupEvents); err != nil {
			return nil, err
		}
	}

	cfg.Logger.Info("loadgen run", "writes_per_s", cfg.RateWrites, "reads_per_s", cfg.RateReads, "duration", cfg.Duration.String())
	elapsed, lagging, unsent := g.drive(ctx)
	rep.Duration = elapsed.Seconds()
	rep.Ops, rep.Writes, rep.Reads, rep.Staleness = g.rec.report(opKinds(), elapsed)
	rep.Writes.TargetRate, rep.Reads.TargetRate = cfg.RateWrites, cfg.RateReads
	rep.Writes.Lagging, rep.Reads.Lagging = lagging["write"], lagging["read"]
	rep.Writes.Unsent, rep.Reads.Unsent = unsent["write"], unsent["read"]
	if rep.Writes.Lagging+rep.Reads.Lagging > 0 {
		rep.Notes = append(rep.Notes, fmt.Sprintf("%d writes and %d reads waited for a free slot (max in flight %d): "+
			"the service fell behind the schedule; their wait is in their latency", rep.Writes.Lagging, rep.Reads.Lagging, cfg.MaxInFlight))
	}
	if rep.Writes.Unsent+rep.Reads.Unsent > 0 {
		rep.Notes = append(rep.Notes, fmt.Sprintf("%d writes and %d reads were due but never sent: every slot was still busy "+
			"when the duration ended (they are in no latency figure)", rep.Writes.Unsent, rep.Reads.Unsent))
	}
	if ctx.Err() != nil {
		rep.Notes = append(rep.Notes, "the run was interrupted before its duration")
	}
	return rep, nil
}

// drive runs both schedules until the duration has passed, then waits for
// the requests in flight and the probes.
func (g *generator) drive(ctx context.Context) (time.Duration, map[string]int64, map[string]int64) {
	start := time.Now()
	end := start.Add(g.cfg.Duration)
	var wg, inflight sync.WaitGroup
	lag := map[string]*atomic.Int64{"write": {}, "read": {}}
	unsent := map[string]*atomic.Int64{"write": {}, "read": {}}
	for i, kind := range []string{"write", "read"} {
		rate := g.cfg.RateWrites
		if kind == "read" {
			rate = g.cfg.RateReads
		}
		if rate <= 0 {
			continue
		}
		rng := rand.New(rand.NewPCG(g.cfg.Seed, uint64(i+1)))
		wg.Add(1)
		go func() {
			defer wg.Done()
			unsent[kind].Store(g.schedule(ctx, kind, rate, start, end, rng, &inflight, lag[kind]))
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	if elapsed > g.cfg.Duration && g.cfg.Duration > 0 {
		elapsed = g.cfg.Duration
	}
	inflight.Wait()
	return elapsed, map[string]int64{"write": lag["write"].Load(), "read": lag["read"].Load()},
		map[string]int64{"write": unsent["write"].Load(), "read": unsent["read"].Load()}
}

// schedule sends kind's requests at rate from start until end: request i
// is due at start + i/rate, whatever happened to the ones before it. It
// returns how many were due but not sent by end (every slot busy).
func (g *generator) schedule(ctx context.Context, kind string, rate float64, start, end time.Time,
	rng *rand.Rand, inflight *sync.WaitGroup, lagging *atomic.Int64) int64 {
	slots := make(chan struct{}, g.cfg.MaxInFlight)
	ops := g.cfg.Mix.ops(kind)
	timer := time.NewTimer(0)
	defer timer.Stop()
	stop := time.NewTimer(time.Until(end))
	defer stop.Stop()
	planned := int64(math.Ceil(rate * end.Sub(start).Seconds()))
	for i := int64(0); ; i++ {
		due := start.Add(time.Duration(float64(i) * float64(time.Second) / rate))
		if !due.Before(end) {
			return 0
		}
		if wait := time.Until(due); wait > 0 {
			timer.Reset(wait)
			select {
			case <-ctx.Done():
				return 0
			case <-timer.C:
			}
		}
		select {
		case slots <- struct{}{}:
		default:
			lagging.Add(1)
			select {
			case slots <- struct{}{}:
			case <-ctx.Done():
				return 0
			case <-stop.C:
				return max(planned-i, 0)
			}
		}
		req := g.build(ops.pick(rng), rng)
		inflight.Add(1)
		go func() {
			defer inflight.Done()
			defer func() { <-slots }()
			g.execute(ctx, req, due, inflight)
		}()
	}
}
