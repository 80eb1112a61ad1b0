package loadgen

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/url"
	"sort"
	"strconv"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
)

// Latencies are kept in microseconds from 1 µs to 5 minutes with three
// significant digits: an HDR histogram's error stays under 0.1% at every
// percentile, with a fixed memory cost whatever the run's length.
const (
	histMin     = 1
	histMax     = int64(5 * time.Minute / time.Microsecond)
	histSigFigs = 3
)

// opStats is what one operation has seen.
type opStats struct {
	hist     *hdrhistogram.Histogram // every answer, errors included
	byStatus map[int]int64           // HTTP status (0: no answer)
	stale    int64                   // reads answered with the stale header
	problems map[string]int64        // "status: problem title" of errors
}

// recorder collects the run's figures; safe for concurrent use.
type recorder struct {
	mu  sync.Mutex
	ops map[string]*opStats
	// staleness is append-to-visible: from a write's answer until a read
	// with its consistency token shows the change.
	staleness      *hdrhistogram.Histogram
	probes         int64 // staleness probes started
	probeStale     int64 // probe reads answered with the stale header
	probeInvisible int64 // probes whose token did not hold (not stale, change missing, store has it)
	probeTimeouts  int64 // probes that never saw the change
}

func newRecorder() *recorder {
	return &recorder{ops: map[string]*opStats{}, staleness: hdrhistogram.New(histMin, histMax, histSigFigs)}
}

func (r *recorder) op(name string) *opStats {
	s := r.ops[name]
	if s == nil {
		s = &opStats{hist: hdrhistogram.New(histMin, histMax, histSigFigs), byStatus: map[int]int64{}, problems: map[string]int64{}}
		r.ops[name] = s
	}
	return s
}

// record adds one request's latency (from its scheduled time) and status.
func (r *recorder) record(name string, latency time.Duration, status int, stale bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	s := r.op(name)
	_ = s.hist.RecordValue(clampMicros(latency))
	s.byStatus[status]++
	if stale {
		s.stale++
	}
}

// problem counts an error answer by its status and problem title (the
// title names the kind of error; details may quote what was sent).
func (r *recorder) problem(name string, a answer) {
	var p struct {
		Title string `json:"title"`
	}
	_ = json.Unmarshal(a.Body, &p)
	key := strconv.Itoa(a.Status) + ": " + p.Title
	if a.Status == 0 && a.Err != nil {
		key = "no answer: " + errorClass(a.Err)
	}
	r.mu.Lock()
	r.op(name).problems[key]++
	r.mu.Unlock()
}

// errorClass names a transport error without its URL.
func errorClass(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		if ue.Timeout() {
			return "timeout"
		}
		return ue.Err.Error()
	}
	return err.Error()
}

func (r *recorder) recordStaleness(d time.Duration) {
	r.mu.Lock()
	_ = r.staleness.RecordValue(clampMicros(d))
	r.mu.Unlock()
}

func (r *recorder) countProbe(field *int64) {
	r.mu.Lock()
	*field++
	r.mu.Unlock()
}

func clampMicros(d time.Duration) int64 {
	us := d.Microseconds()
	if us < histMin {
		return histMin
	}
	if us > histMax {
		return histMax
	}
	return us
}

// Latency is a latency distribution in milliseconds.
type Latency struct {
	Count int64   `json:"count"`
	P50   float64 `json:"p50_ms"`
	P95   float64 `json:"p95_ms"`
	P99   float64 `json:"p99_ms"`
	Max   float64 `json:"max_ms"`
}

func latencyOf(h *hdrhistogram.Histogram) Latency {
	ms := func(us int64) float64 { return float64(us) / 1000 }
	return Latency{Count: h.TotalCount(), P50: ms(h.ValueAtQuantile(50)), P95: ms(h.ValueAtQuantile(95)),
		P99: ms(h.ValueAtQuantile(99)), Max: ms(h.Max())}
}

// OpReport is one operation's figures.
type OpReport struct {
	Name string `json:"name"`
	Kind string `json:"kind"` // write or read
	// Share is the operation's part of its kind's requests (0-1).
	Share     float64          `json:"share"`
	Latency   Latency          `json:"latency"`
	ByStatus  map[string]int64 `json:"by_status"` // "200", "409", "0" (no answer)
	Errors    int64            `json:"errors"`    // answers outside 2xx
	Status5xx int64            `json:"status_5xx"`
	Stale     int64            `json:"stale"`              // reads answered with IUP-Stale
	Problems  map[string]int64 `json:"problems,omitempty"` // errors by status and problem title
}

// Staleness is append-to-visible: from a write's answer until a read with
// its consistency token showed the change.
type Staleness struct {
	Probes int64 `json:"probes"`
	Latency
	StaleAnswers int64 `json:"stale_answers"` // probe reads that answered stale and were retried
	// Invisible counts probes with a read that was not marked stale yet
	// lacked the change while the event store had it: a consistency token
	// that did not hold. Must be 0.
	Invisible int64 `json:"invisible"`
	Timeouts  int64 `json:"timeouts"` // probes that never saw the change
}

// Summary is one kind of traffic (writes or reads) as a whole.
type Summary struct {
	TargetRate   float64 `json:"target_per_s"`
	AchievedRate float64 `json:"achieved_per_s"`
	Latency      Latency `json:"latency"`
	Errors       int64   `json:"errors"`
	Status5xx    int64   `json:"status_5xx"`
	// Lagging counts requests the scheduler sent late because every
	// in-flight slot was busy (they are still timed from their schedule).
	Lagging int64 `json:"lagging"`
	// Unsent counts requests due within the duration that were never sent:
	// every slot was still busy when it ended.
	Unsent int64 `json:"unsent"`
}

// Report is the run's result, printed as a table and written as JSON.
type Report struct {
	Tenant    string     `json:"tenant"`
	Organiser Size       `json:"organiser"`
	SetupTime float64    `json:"setup_seconds"`
	SetupReqs int64      `json:"setup_requests"`
	Duration  float64    `json:"duration_seconds"`
	Writes    Summary    `json:"writes"`
	Reads     Summary    `json:"reads"`
	Ops       []OpReport `json:"operations"`
	Staleness Staleness  `json:"staleness"`
	Mix       MixWeights `json:"mix"`
	Started   time.Time  `json:"started"`
	Notes     []string   `json:"notes,omitempty"`
	// History is the school year written after the setup (--history).
	History *HistoryReport `json:"history,omitempty"`
}

// report turns the recorder into a Report (ops sorted writes first).
func (r *recorder) report(kinds map[string]string, elapsed time.Duration) ([]OpReport, Summary, Summary, Staleness) {
	r.mu.Lock()
	defer r.mu.Unlock()
	var ops []OpReport
	all := map[string]*hdrhistogram.Histogram{"write": hdrhistogram.New(histMin, histMax, histSigFigs),
		"read": hdrhistogram.New(histMin, histMax, histSigFigs)}
	sums := map[string]*Summary{"write": {}, "read": {}}
	for name, s := range r.ops {
		kind := kinds[name]
		o := OpReport{Name: name, Kind: kind, Latency: latencyOf(s.hist), ByStatus: map[string]int64{}, Stale: s.stale}
		if len(s.problems) > 0 {
			o.Problems = maps.Clone(s.problems)
		}
		for code, n := range s.byStatus {
			o.ByStatus[strconv.Itoa(code)] = n
			if code < 200 || code > 299 {
				o.Errors += n
			}
			if code >= 500 {
				o.Status5xx += n
			}
		}
		if h := all[kind]; h != nil {
			h.Merge(s.hist)
			sums[kind].Errors += o.Errors
			sums[kind].Status5xx += o.Status5xx
		}
		ops = append(ops, o)
	}
	for i := range ops {
		if total := all[ops[i].Kind]; total != nil && total.TotalCount() > 0 {
			ops[i].Share = float64(ops[i].Latency.Count) / float64(total.TotalCount())
		}
	}
	sort.Slice(ops, func(i, j int) bool {
		if ops[i].Kind != ops[j].Kind {
			return ops[i].Kind == "write"
		}
		return ops[i].Name < ops[j].Name
	})
	for kind, s := range sums {
		s.Latency = latencyOf(all[kind])
		if elapsed > 0 {
			s.AchievedRate = float64(s.Latency.Count) / elapsed.Seconds()
		}
	}
	st := Staleness{Probes: r.probes, Latency: latencyOf(r.staleness), StaleAnswers: r.probeStale,
		Invisible: r.probeInvisible, Timeouts: r.probeTimeouts}
	return ops, *sums["write"], *sums["read"], st
}

// WriteTable prints the report for a terminal.
func (rep *Report) WriteTable(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "organiser %s: %d schools, %d classes, %d students, %d guardians, %d courses; setup %d requests in %.1fs\n",
		rep.Tenant, rep.Organiser.Schools, rep.Organiser.Classes, rep.Organiser.Students, rep.Organiser.Guardians,
		rep.Organiser.Courses, rep.SetupReqs, rep.SetupTime)
	if h := rep.History; h != nil {
		fmt.Fprintf(tw, "history %s (%d terms): %d requests in %.1fs (%.0f/s), %d events appended (%.0f/s); setup %d events; the service's total %d events\n",
			h.Mode, h.Terms, h.Requests, h.Seconds, h.RequestsPerSec, h.Events, h.EventsPerSec, h.SetupEvents, h.ServiceEvents)
	}
	fmt.Fprintf(tw, "run %.0fs: writes %.1f/s of %.0f/s (%d unsent), reads %.1f/s of %.0f/s (%d unsent); latency from the scheduled time\n\n",
		rep.Duration, rep.Writes.AchievedRate, rep.Writes.TargetRate, rep.Writes.Unsent, rep.Reads.AchievedRate, rep.Reads.TargetRate, rep.Reads.Unsent)
	fmt.Fprintln(tw, "operation\tkind\tshare\tcount\tp50 ms\tp95 ms\tp99 ms\tmax ms\terrors\tstale\tstatuses\t")
	row := func(name, kind string, share float64, l Latency, errs, stale int64, statuses string) {
		fmt.Fprintf(tw, "%s\t%s\t%.1f%%\t%d\t%.2f\t%.2f\t%.2f\t%.2f\t%d\t%d\t%s\t\n",
			name, kind, 100*share, l.Count, l.P50, l.P95, l.P99, l.Max, errs, stale, statuses)
	}
	for _, o := range rep.Ops {
		row(o.Name, o.Kind, o.Share, o.Latency, o.Errors, o.Stale, statusList(o.ByStatus))
	}
	row("all writes", "write", 1, rep.Writes.Latency, rep.Writes.Errors, 0, fmt.Sprintf("5xx=%d", rep.Writes.Status5xx))
	row("all reads", "read", 1, rep.Reads.Latency, rep.Reads.Errors, 0, fmt.Sprintf("5xx=%d", rep.Reads.Status5xx))
	s := rep.Staleness
	row("append-to-visible", "probe", 1, s.Latency, s.Timeouts+s.Invisible, s.StaleAnswers,
		fmt.Sprintf("probes=%d invisible=%d timeouts=%d", s.Probes, s.Invisible, s.Timeouts))
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, o := range rep.Ops {
		for _, k := range sortedKeys(o.Problems) {
			if _, err := fmt.Fprintf(w, "errors of %s: %s (%d)\n", o.Name, k, o.Problems[k]); err != nil {
				return err
			}
		}
	}
	for _, n := range rep.Notes {
		if _, err := fmt.Fprintln(w, "note:", n); err != nil {
			return err
		}
	}
	return nil
}

func sortedKeys(m map[string]int64) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func statusList(m map[string]int64) string {
	keys := sortedKeys(m)
	out := ""
	for i, k := range keys {
		if i > 0 {
			out += " "
		}
		out += fmt.Sprintf("%s=%d", k, m[k])
	}
	return out
}
