package runtime

import (
	"context"
	"sync"
	"time"
)

// Passes lets the rebuilds of several runtimes share one pass over the log.
// `iupd project` runs each projection in a runtime of its own, under its own
// lease, so on a fresh Redis each runtime rebuilt its view in a pass of its
// own, and the log was read and decoded once per projection: a quarter of
// the CPU of a municipality's rebuild. Rebuilds that start within Gather of
// each other now share a pass; a rebuild that starts later reads the log
// itself. Every runtime given the same Passes must read the same event
// store with the same codec: the first of a pass reads for all.
type Passes struct {
	// Gather is how long the first rebuild of a pass waits for others to
	// join, default 200 ms: the leases of a starting projector are granted
	// within milliseconds of each other.
	Gather time.Duration

	mu   sync.Mutex
	next *gathering // the pass still taking members, nil when none
}

// gathering is a pass taking members until it starts.
type gathering struct {
	r       *Runtime // reads the log for all
	members []*member
	done    chan struct{}
}

// join adds builds to the pass being gathered, or gathers a new one, and
// returns once the pass is over, with what stopped the builds, if anything.
func (g *Passes) join(ctx context.Context, r *Runtime, builds []*build) error {
	m := newMember(ctx, builds)
	g.mu.Lock()
	p := g.next
	if p == nil {
		p = &gathering{r: r, done: make(chan struct{})}
		g.next = p
		wait := g.Gather
		if wait <= 0 {
			wait = 200 * time.Millisecond
		}
		time.AfterFunc(wait, func() {
			g.mu.Lock()
			g.next = nil
			members := p.members
			g.mu.Unlock()
			p.r.runPass(members)
			close(p.done)
		})
	}
	p.members = append(p.members, m)
	g.mu.Unlock()
	<-p.done
	return m.err
}
