package runtime

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/iup-platform/iup/eventstore"
)

// Rebuild builds projection name into a fresh namespace from the start of
// the log, reading the event store directly, while the active namespace
// keeps serving; once caught up with the head it switches the active
// pointer, between two live batches, and drops the old namespace.
func (r *Runtime) Rebuild(ctx context.Context, name string) error {
	if _, err := r.projector(name); err != nil {
		return err
	}
	return r.rebuild(ctx, []string{name})
}

// RebuildAll rebuilds every projection of the runtime as Rebuild does, in
// one pass over the log: each event is read and decoded once for all.
func (r *Runtime) RebuildAll(ctx context.Context) error { return r.rebuild(ctx, r.names) }

// build is one projection's rebuild in progress.
type build struct {
	p  *projector
	ws *workspace
	cp eventstore.Position
	at time.Time // recorded-at of the event at cp
}

func (r *Runtime) rebuild(ctx context.Context, names []string) error {
	var builds []*build
	for _, name := range r.names { // in the runtime's order, so two rebuilds lock alike
		if !slices.Contains(names, name) {
			continue
		}
		p := r.projectors[name]
		p.rebuild.Lock()
		defer p.rebuild.Unlock()
		ns := p.p.Namespace(generation(r.cfg.Clock().UnixNano()))
		r.log.Info("rebuild started", "projection", name, "namespace", string(ns))
		// The fresh namespace has one writer, this rebuild, so a cache of
		// what it wrote answers reads without a round trip to the store
		// (all of them, up to its budget).
		b := &build{p: p, ws: newWorkspace(r.cfg.Views, ns, newDocCache(r.cfg.RebuildCacheKeys, r.cfg.RebuildCacheBytes), r.cfg.Retry)}
		// Nobody reads the fresh namespace before the switch: render
		// served documents once, after the pass, not at every batch.
		b.ws.holdRenders(true)
		builds = append(builds, b)
	}
	defer relaxGC(r.cfg.RebuildGCPercent)()
	// Most of the log, without holding up the live projectors.
	if err := r.pass(ctx, builds); err != nil {
		return fmt.Errorf("rebuild: %w", err)
	}
	for _, b := range builds {
		if err := r.finish(ctx, b); err != nil {
			return err
		}
	}
	return nil
}

// pass reads the log once from the start to its head and feeds every
// build; with Config.Passes, builds of other runtimes that start at the
// same moment share the pass.
func (r *Runtime) pass(ctx context.Context, builds []*build) error {
	if r.cfg.Passes != nil {
		return r.cfg.Passes.join(ctx, r, builds)
	}
	m := newMember(ctx, builds)
	r.runPass([]*member{m})
	return m.err
}

// member is one rebuild's builds in a pass. A failing build stops the
// builds of its member (one runtime's rebuild), not the others'.
type member struct {
	ctx    context.Context
	cancel context.CancelFunc
	builds []*build
	err    error
}

func newMember(ctx context.Context, builds []*build) *member {
	ctx, cancel := context.WithCancel(ctx)
	return &member{ctx: ctx, cancel: cancel, builds: builds}
}

// runPass reads the log once, with r's store and codec, and feeds every
// member's builds: one goroutine reads and decodes pages, one per build
// folds them and one per build writes what it folded, so reading,
// decoding, the views' work and the store's overlap; each build then runs
// the renders it held. It stops reading once every member
// has stopped, and sets each member's err.
func (r *Runtime) runPass(members []*member) {
	handled := map[string]bool{}
	var feeds []*feed
	for _, m := range members {
		for _, b := range m.builds {
			for t := range b.p.handles {
				handled[t] = true
			}
			feeds = append(feeds, &feed{m: m, b: b, ch: make(chan []entry, 2)})
		}
	}
	var wg sync.WaitGroup
	for _, f := range feeds {
		wg.Add(1)
		go func() {
			defer wg.Done()
			b, m := f.b, f.m
			b.ws.writeBehind(m.ctx, func(ctx context.Context, pw pendingWrite) error {
				return b.p.write(ctx, b.ws.ns, true, pw)
			})
			wb := b.ws.behind
			var t passTimes
			mark := time.Now()
			for page := range f.ch {
				t.log += time.Since(mark)
				mark = time.Now()
				if f.err != nil {
					continue
				}
				if err := b.p.applyRun(m.ctx, b.ws, b.cp, page); err != nil {
					f.err = err
					m.cancel()
					continue
				}
				last := page[len(page)-1].rec
				b.cp, b.at = last.Position, last.Metadata.RecordedAt
				t.events += len(page)
				t.fold += time.Since(mark)
				mark = time.Now()
			}
			t.log += time.Since(mark)
			t.fold -= wb.waited
			waited := wb.waited
			if f.err == nil {
				mark = time.Now()
				f.err = b.p.renderHeld(m.ctx, b.ws, b.cp)
				t.render = time.Since(mark) - (wb.waited - waited)
			}
			if err := b.ws.stopWriting(); f.err == nil && err != nil {
				f.err = err
				m.cancel()
			}
			b.ws.release()
			if f.err == nil {
				t.writeWait, t.write = wb.waited, wb.busy
				t.report(r.log, b.p.p.Name)
			}
		}()
	}
	readErr := r.feed(handled, feeds)
	for _, f := range feeds {
		close(f.ch)
	}
	wg.Wait()
	for _, m := range members {
		var errs []error
		for _, f := range feeds {
			if f.m == m && f.err != nil {
				errs = append(errs, f.err)
			}
		}
		switch {
		case len(errs) > 0:
			m.err = errors.Join(errs...)
		case m.ctx.Err() != nil:
			m.err = m.ctx.Err()
		default:
			m.err = readErr
		}
		m.cancel()
	}
}

// passTimes is where one build's pass went, logged when it ends so an
// operator (and a benchmark) can tell which view bounds a rebuild: the
// pass reads the log at the pace of its slowest build.
type passTimes struct {
	events int
	log    time.Duration // waiting for the next page of the log
	fold   time.Duration // folding pages
	render time.Duration // the held renders
	// writeWait is how long folds, renders and the end waited for the
	// writer; write how long the writer wrote.
	writeWait, write time.Duration
}

func (t passTimes) report(log *slog.Logger, name string) {
	secs := func(d time.Duration) string { return strconv.FormatFloat(d.Seconds(), 'f', 1, 64) }
	log.Info("rebuild pass done", "projection", name, "events", t.events,
		"fold_s", secs(t.fold), "log_wait_s", secs(t.log), "render_s", secs(t.render),
		"write_wait_s", secs(t.writeWait), "write_s", secs(t.write))
}

// feed is one build's pages in a pass.
type feed struct {
	m   *member
	b   *build
	ch  chan []entry
	err error
}

// feed sends the log's pages, each event decoded when a build reads its
// type, to every feed whose member still runs; it stops when none does
// (each member then says why it stopped). Reading is no one member's, so
// no member's context ends it: at most the page being read is wasted.
func (r *Runtime) feed(handled map[string]bool, feeds []*feed) error {
	ctx := context.Background()
	running := func(f *feed) bool { return f.m.ctx.Err() == nil }
	after := eventstore.Start
	// A rebuild of a municipality's log takes minutes: say how far it is.
	start, read := time.Now(), 0
	next := start.Add(rebuildProgressEvery)
	for {
		if now := time.Now(); now.After(next) {
			next = now.Add(rebuildProgressEvery)
			r.log.Info("rebuild progress", "events", read, "position", after.String(),
				"rate_per_s", int(float64(read)/now.Sub(start).Seconds()), "views", len(feeds))
		}
		if !slices.ContainsFunc(feeds, running) {
			return nil
		}
		page, err := r.readLog(ctx, after, pageSize(read, r.cfg.RebuildBatchSize))
		if err != nil {
			return fmt.Errorf("read log: %w", err)
		}
		if len(page) == 0 {
			return nil
		}
		es := entries(page)
		for i := range es {
			if handled[es[i].rec.Type] {
				es[i].env, es[i].err = r.decode(ctx, es[i].rec)
				es[i].decoded = true
			}
		}
		for _, f := range feeds {
			select {
			case f.ch <- es:
			case <-f.m.ctx.Done(): // its builds stopped
			}
		}
		after = page[len(page)-1].Position
		read += len(page)
	}
}

// pageSize is how many events the pass reads next, read so far: a batch,
// but a tenth of one until a batch is read. Every build waits for the
// first page, and reading and decoding a whole batch first kept all but
// one core idle for the first tens of milliseconds of a rebuild (about a
// twentieth of a sample organiser's).
func pageSize(read, batch int) int {
	if read < batch {
		return max(1, batch/10)
	}
	return batch
}

// rebuildProgressEvery is how often a rebuild's pass logs its progress.
const rebuildProgressEvery = 10 * time.Second

// finish applies what was appended during the pass, holding up the live
// batches of this projection only, then switches the view to the fresh
// namespace and drops the old one.
func (r *Runtime) finish(ctx context.Context, b *build) error {
	p, name := b.p, b.p.p.Name
	p.mu.Lock()
	defer p.mu.Unlock()
	cp, tailAt, err := p.drain(ctx, b.ws, b.cp)
	if err != nil {
		return fmt.Errorf("rebuild %s: %w", name, err)
	}
	at := b.at
	if !tailAt.IsZero() {
		at = tailAt
	}
	ns := b.ws.ns
	old := p.namespace()
	if err := r.cfg.Views.SetActive(ctx, name, ns); err != nil {
		return fmt.Errorf("rebuild %s: switch: %w", name, err)
	}
	p.switchTo(ns, cp, at)
	// The live projector goes on with the rebuild's workspace: it let its
	// documents go after the pass, so live batches read what they touch.
	b.ws.serve()
	p.live = b.ws
	if old != "" && old != ns {
		if err := r.cfg.Views.Drop(ctx, old); err != nil {
			r.log.Warn("rebuild: dropping the old namespace failed", "projection", name, "namespace", string(old), "err", err)
		}
	}
	r.log.Info("rebuild done", "projection", name, "namespace", string(ns), "checkpoint", cp.String())
	return nil
}

// gcTuning counts the rebuilds running, so the first raises the
// collector's target and the last puts it back, however they overlap.
var gcTuning struct {
	sync.Mutex
	running int
	before  int
}

// relaxGC raises the collector's target to percent (when it is below it and
// the collector is on) for one rebuild; the returned func undoes it.
func relaxGC(percent int) func() {
	if percent < 0 {
		return func() {}
	}
	gcTuning.Lock()
	defer gcTuning.Unlock()
	if gcTuning.running == 0 {
		gcTuning.before = debug.SetGCPercent(percent)
		if gcTuning.before < 0 || gcTuning.before > percent {
			debug.SetGCPercent(gcTuning.before) // off or already higher: keep
		}
	}
	gcTuning.running++
	return func() {
		gcTuning.Lock()
		defer gcTuning.Unlock()
		if gcTuning.running--; gcTuning.running == 0 {
			debug.SetGCPercent(gcTuning.before)
		}
	}
}

// generation names a build: time-ordered, with a random tail so two
// processes never pick the same.
func generation(nanos int64) string {
	b := make([]byte, 3)
	_, _ = rand.Read(b)
	return strconv.FormatInt(nanos, 36) + hex.EncodeToString(b)
}
