package main

import (
	"fmt"
	"io"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"
)

// progress reports long command-line work: a bar with rate and time left
// when w is a terminal, plain log lines (slog text) otherwise, so a cron job
// or a container log gets readable lines and no escape codes.
type progress struct {
	bar *progressbar.ProgressBar // terminal form; nil for log lines

	mu       sync.Mutex
	log      *slog.Logger
	task     string
	unit     string
	total    int64 // <= 0: unknown
	done     int64
	start    time.Time
	last     time.Time
	every    time.Duration
	now      func() time.Time
	finished bool
}

// progressEvery is how often the log form writes a line.
const progressEvery = 10 * time.Second

// newProgress starts reporting task over total units (<= 0 when unknown).
func newProgress(w io.Writer, task, unit string, total int64) *progress {
	if f, ok := w.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		max := total
		if max <= 0 {
			max = -1 // a spinner with the count and rate
		}
		return &progress{task: task, unit: unit, total: total, bar: progressbar.NewOptions64(max,
			progressbar.OptionSetWriter(w),
			progressbar.OptionSetDescription(task),
			progressbar.OptionShowCount(),
			progressbar.OptionShowIts(),
			progressbar.OptionSetItsString(unit),
			progressbar.OptionSetPredictTime(true),
			progressbar.OptionSetElapsedTime(true),
			progressbar.OptionThrottle(100*time.Millisecond),
			progressbar.OptionFullWidth(),
			progressbar.OptionOnCompletion(func() { fmt.Fprintln(w) }),
		)}
	}
	return newProgressLog(w, task, unit, total, progressEvery, time.Now)
}

// newProgressLog is the non-terminal form, with its clock and interval
// injectable for tests.
func newProgressLog(w io.Writer, task, unit string, total int64, every time.Duration, now func() time.Time) *progress {
	t := now()
	p := &progress{log: slog.New(slog.NewTextHandler(w, nil)), task: task, unit: unit, total: total,
		start: t, last: t, every: every, now: now}
	p.log.Info("started", p.attrs()...)
	return p
}

// Add records n more units done.
func (p *progress) Add(n int64) {
	if p == nil || n == 0 {
		return
	}
	if p.bar != nil {
		_ = p.bar.Add64(n)
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.done += n
	if t := p.now(); t.Sub(p.last) >= p.every {
		p.last = t
		p.log.Info("progress", p.attrs()...)
	}
}

// Tick redraws the bar, or writes a line when the interval has passed,
// without counting anything: for work whose progress is not known.
func (p *progress) Tick() {
	if p == nil {
		return
	}
	if p.bar != nil {
		_ = p.bar.Add64(0)
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if t := p.now(); t.Sub(p.last) >= p.every {
		p.last = t
		p.log.Info("still working", p.attrs()...)
	}
}

// whileWaiting shows elapsed time for work done elsewhere (a rebuild in
// the running service) until the returned stop is called.
func whileWaiting(w io.Writer, task string) (stop func()) {
	p := newProgress(w, task, "steps", 0)
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		t := time.NewTicker(200 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				p.Tick()
			}
		}
	}()
	return func() {
		close(done)
		<-finished
		p.Done()
	}
}

// SetTotal changes the total once it becomes known (or grows).
func (p *progress) SetTotal(total int64) {
	if p == nil {
		return
	}
	if p.bar != nil {
		p.bar.ChangeMax64(total)
		return
	}
	p.mu.Lock()
	p.total = total
	p.mu.Unlock()
}

// Done ends the report with a last line (or a full bar).
func (p *progress) Done() {
	if p == nil {
		return
	}
	if p.bar != nil {
		if p.total > 0 {
			_ = p.bar.Finish()
		}
		_ = p.bar.Exit()
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.finished {
		p.finished = true
		p.log.Info("done", p.attrs()...)
	}
}

// attrs describes the state: counts, rate and time left. Callers hold mu.
func (p *progress) attrs() []any {
	elapsed := p.now().Sub(p.start)
	out := []any{"task", p.task, p.unit, p.done}
	if p.total > 0 {
		out = append(out, "total", p.total, "percent", fmt.Sprintf("%.1f", 100*float64(p.done)/float64(p.total)))
	}
	if elapsed > 0 {
		rate := float64(p.done) / elapsed.Seconds()
		out = append(out, "rate_per_s", fmt.Sprintf("%.0f", rate), "elapsed", elapsed.Round(time.Second).String())
		if p.total > 0 && rate > 0 && p.done < p.total {
			left := time.Duration(float64(p.total-p.done) / rate * float64(time.Second))
			out = append(out, "time_left", left.Round(time.Second).String())
		}
	}
	return out
}
