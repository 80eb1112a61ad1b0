package runtime_test

import (
	"context"
	"os"
	goruntime "runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/iup-platform/iup/eventstore"
	"github.com/iup-platform/iup/projections"
	"github.com/iup-platform/iup/projections/memstore"
	"github.com/iup-platform/iup/projections/redisstore"
	"github.com/iup-platform/iup/projections/redistest"
	"github.com/iup-platform/iup/projections/runtime"
	allviews "github.com/iup-platform/iup/projections/views"
	"github.com/iup-platform/iup/projections/views/sample"
)

// benchSchools sizes the sample organiser the rebuild benchmarks read:
// four schools of nine classes of 25 students (IUP_BENCH_SCHOOLS changes
// it), big enough that a view's cost per document shows.
func benchSchools() int {
	if n, err := strconv.Atoi(os.Getenv("IUP_BENCH_SCHOOLS")); err == nil && n > 0 {
		return n
	}
	return 4
}

var (
	benchOnce   sync.Once
	benchSample *sampleLog
	benchDir    string
)

// benchLog is the sample organiser's log, written once per run and shared
// by the rebuild benchmarks.
func benchLog(b testing.TB) *sampleLog {
	benchOnce.Do(func() {
		dir, err := os.MkdirTemp("", "iup-bench-")
		if err != nil {
			b.Fatal(err)
		}
		benchDir = dir
		benchSample = writeSample(b, dir, sample.Config{Schools: benchSchools(), ClassesPerGrade: 1, StudentsPerClass: 25, Seed: 7})
		b.Logf("sample organiser: %d schools, %d events", benchSchools(), benchSample.n)
	})
	return benchSample
}

func TestMain(m *testing.M) {
	code := m.Run()
	if benchSample != nil {
		_ = benchSample.Close()
		_ = os.RemoveAll(benchDir)
	}
	os.Exit(code)
}

func eventsPerSecond(b *testing.B, n int) {
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "events/s")
}

// cpuMeter reports, when called, events per second of this process's CPU
// time since it was made: on a machine shared with other work the wall
// clock says more about the neighbours than about the code.
func cpuMeter(b *testing.B, n int) func() {
	start, settled := cpuTime(b), settledCPU
	return func() {
		used := cpuTime(b) - start - (settledCPU - settled)
		b.ReportMetric(float64(n*b.N)/used.Seconds(), "events/cpu-s")
	}
}

func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// The ceiling of a rebuild: reading and decoding (unsealing) the same
// events, in the runtime's page size.
func BenchmarkRebuildCeilingReadDecode(b *testing.B) {
	log := benchLog(b)
	b.ResetTimer()
	defer cpuMeter(b, log.n)()
	for range b.N {
		settle(b)
		readDecodeAll(b, log)
	}
	eventsPerSecond(b, log.n)
}

// readDecodeAll reads and decodes the whole log, as the ceiling does.
func readDecodeAll(b testing.TB, log *sampleLog) {
	decoder := eventstore.NewDomainLog(log.events, log.codec)
	ctx := context.Background()
	after, n := eventstore.Start, 0
	for {
		page, err := log.events.ReadAll(ctx, after, 500)
		if err != nil {
			b.Fatal(err)
		}
		if len(page) == 0 {
			break
		}
		for _, rec := range page {
			if _, err := decoder.Decode(ctx, rec); err != nil {
				b.Fatal(err)
			}
		}
		n += len(page)
		after = page[len(page)-1].Position
	}
	if n != log.n {
		b.Fatalf("read %d events, wrote %d", n, log.n)
	}
}

// The rebuild into memory against its ceiling, paired: each iteration
// reads and decodes the log, then rebuilds every view, one right after the
// other, so that both meet the machine as it is at that moment. On a
// shared machine the two benchmarks above, seconds apart, measured the
// ceiling anywhere from 0.25 to 0.45 s within minutes, and their ratio
// moved with it. ratio_% is the median over the pairs of ceiling time
// over rebuild time: the rebuild's rate as a share of the ceiling's.
func BenchmarkRebuildMemoryPaired(b *testing.B) {
	log := benchLog(b)
	var ratios []float64
	var ceiling, rebuild time.Duration
	for range b.N {
		settle(b)
		start := time.Now()
		readDecodeAll(b, log)
		c := time.Since(start)
		settle(b)
		start = time.Now()
		rebuildAll(b, log, memstore.New())
		r := time.Since(start)
		ceiling, rebuild = ceiling+c, rebuild+r
		ratios = append(ratios, 100*c.Seconds()/r.Seconds())
	}
	slices.Sort(ratios)
	b.ReportMetric(ratios[len(ratios)/2], "ratio_%")
	b.ReportMetric(ratios[0], "min_ratio_%")
	b.ReportMetric(ceiling.Seconds()*1000/float64(b.N), "ceiling_ms")
	b.ReportMetric(rebuild.Seconds()*1000/float64(b.N), "rebuild_ms")
}

// A rebuild of every view together into memory, as `iupd serve` builds
// them at start.
func BenchmarkRebuildMemory(b *testing.B) {
	log := benchLog(b)
	b.ResetTimer()
	defer cpuMeter(b, log.n)()
	for range b.N {
		settle(b)
		rebuildAll(b, log, memstore.New())
	}
	eventsPerSecond(b, log.n)
}

// settle collects the garbage before a rebuild (or a ceiling pass),
// outside the timer and the CPU meter, so that each starts from the same
// heap. Run back to back without it, a rebuild inherited the collector's
// goal from the live heap of the one before (GOGC 400 over a few hundred
// MB), grew to over a gigabyte of fresh memory without a collection and
// took 2-2.5 times as long, in whichever iterations the collections fell
// that way: one binary could measure 0.7 of another's rate for no reason
// in its code. A service's start has a small heap, as settle gives.
// With IUP_BENCH_FREE_OS=1 it also returns the free memory to the OS: a
// service starting has none mapped yet, and a rebuild that collects less
// often pays for fresh pages instead.
func settle(b *testing.B) {
	b.StopTimer()
	start := cpuTime(b)
	if os.Getenv("IUP_BENCH_FREE_OS") == "1" {
		debug.FreeOSMemory()
	} else {
		goruntime.GC()
	}
	settledCPU += cpuTime(b) - start
	b.StartTimer()
}

// settledCPU is the CPU time settle has spent, which cpuMeter leaves out.
var settledCPU time.Duration

// rebuildAll builds every view from log into views, as a start does.
func rebuildAll(b testing.TB, log *sampleLog, views projections.Store) {
	cfg := config(log.events, views, handBus{}, newRegistry(), allviews.All()...)
	cfg.Codec = log.codec
	if n, err := strconv.Atoi(os.Getenv("IUP_BENCH_REBUILD_BATCH")); err == nil && n > 0 {
		cfg.RebuildBatchSize = n
	}
	if n, err := strconv.Atoi(os.Getenv("IUP_BENCH_REBUILD_GC")); err == nil && n != 0 {
		cfg.RebuildGCPercent = n // -1 leaves the collector as GOGC set it
	}
	rt, err := runtime.New(cfg)
	if err != nil {
		b.Fatal(err)
	}
	if err := rt.RebuildAll(context.Background()); err != nil {
		b.Fatal(err)
	}
}

// recorder keeps the batches a rebuild commits, to replay the same writes
// as plain Redis commands.
type recorder struct {
	projections.Store
	mu      sync.Mutex
	batches []recorded
}

type recorded struct {
	ns      projections.Namespace
	cp      string
	changes []projections.Change
}

func (r *recorder) Apply(ctx context.Context, ns projections.Namespace, from, to eventstore.Position, changes []projections.Change, fence projections.Fence) error {
	r.mu.Lock()
	r.batches = append(r.batches, recorded{ns: ns, cp: to.String(), changes: slices.Clone(changes)})
	r.mu.Unlock()
	return r.Store.Apply(ctx, ns, from, to, changes, fence)
}

// A rebuild of every view together into Redis, against the same keys and
// values written by plain pipelines.
func BenchmarkRebuildRedis(b *testing.B) {
	log := benchLog(b)
	client := redistest.Client(b)
	ctx := context.Background()
	rec := &recorder{Store: memstore.New()}
	rebuildAll(b, log, rec)
	b.Run("runtime", func(b *testing.B) {
		for range b.N {
			prefix := redistest.Namespace(b)
			settle(b)
			rebuildAll(b, log, redisstore.New(client, prefix))
			b.StopTimer()
			dropPrefix(b, client, prefix)
			b.StartTimer()
		}
		eventsPerSecond(b, log.n)
	})
	// The same keys and values, one pipeline per batch, no reads, no
	// script, no checkpoint check: what Redis can take at best.
	b.Run("pipelined-baseline", func(b *testing.B) {
		for range b.N {
			settle(b)
			prefix := redistest.Namespace(b)
			for _, batch := range rec.batches {
				docs, cp := prefix+"view:"+string(batch.ns), prefix+"checkpoint:"+string(batch.ns)
				pipe := client.Pipeline()
				for _, c := range batch.changes {
					if c.Value == nil {
						pipe.HDel(ctx, docs, c.Key)
					} else {
						pipe.HSet(ctx, docs, c.Key, c.Value)
					}
				}
				pipe.Set(ctx, cp, batch.cp, 0)
				if _, err := pipe.Exec(ctx); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			dropPrefix(b, client, prefix)
			b.StartTimer()
		}
		eventsPerSecond(b, log.n)
	})
}

func dropPrefix(b *testing.B, client *redis.Client, prefix string) {
	ctx := context.Background()
	keys, err := client.Keys(ctx, prefix+"*").Result()
	if err != nil {
		b.Fatal(err)
	}
	if len(keys) > 0 {
		if err := client.Del(ctx, keys...).Err(); err != nil {
			b.Fatal(err)
		}
	}
}

// liveSample is the sample school for the live benchmarks: the first
// half of its year is in the log when the runtime starts, the second half
// is appended while it runs.
var liveSample = sample.Config{Schools: 1, ClassesPerGrade: 1, StudentsPerClass: 25, Seed: 9}

// startLive opens a sample log with half its history written and, when
// project is set, runs every view over it as `iupd serve` does (memory
// store, GoChannel, sealing codec), built and caught up.
func startLive(b *testing.B, project bool) (*sampleLog, *setup) {
	log := openSample(b, liveSample)
	log.mustWrite(b, len(log.history)/2)
	if !project {
		return log, nil
	}
	s := startWith(b, log.events, log.codec, memstore.New(), allviews.All()...)
	<-s.rt.Ready()
	return log, s
}

func waitForAll(b *testing.B, s *setup, pos eventstore.Position) {
	for _, p := range allviews.All() {
		waitFor(b, s.rt, p.Name, pos)
	}
}

// The live path: the second half of the sample school's year appended (one
// append per command, as the sample's commands made them) while every view
// is fed through the GoChannel, until all of them have applied the last;
// append-only is the same appends with no projector, for scale.
func BenchmarkLiveGoChannel(b *testing.B) {
	for _, project := range []bool{false, true} {
		name := "append-only"
		if project {
			name = "append+project"
		}
		b.Run(name, func(b *testing.B) {
			var events int
			var elapsed time.Duration
			for range b.N {
				b.StopTimer()
				log, s := startLive(b, project)
				before := log.n
				b.StartTimer()
				t0 := time.Now()
				last := log.mustWrite(b, -1)
				if project {
					waitForAll(b, s, last)
				}
				elapsed += time.Since(t0)
				events += log.n - before
			}
			b.ReportMetric(float64(events)/elapsed.Seconds(), "events/s")
		})
	}
}

// Append-to-visible: one append of the sample (one command's events), then
// wait until every view's checkpoint passes it; p50 and p99 over b.N
// appends (at most the second half of the sample's year). append-only is
// the append alone, for the share the event store's fsync takes.
func BenchmarkAppendToVisible(b *testing.B) {
	for _, project := range []bool{false, true} {
		name := "append-only"
		if project {
			name = "all-views"
		}
		b.Run(name, func(b *testing.B) {
			log, s := startLive(b, project)
			lat := make([]time.Duration, 0, b.N)
			b.ResetTimer()
			for range b.N {
				if log.next == len(log.history) {
					break
				}
				t0 := time.Now()
				pos := log.mustWrite(b, 1)
				if project {
					waitForAll(b, s, pos)
				}
				lat = append(lat, time.Since(t0))
			}
			b.StopTimer()
			slices.Sort(lat)
			b.ReportMetric(float64(len(lat)), "appends")
			b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
			b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
		})
	}
}
