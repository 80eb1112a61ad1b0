package main

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/iup-platform/iup/eventstore"
	"github.com/iup-platform/iup/projections"
	"github.com/iup-platform/iup/projections/memstore"
	"github.com/iup-platform/iup/projections/runtime"
)

// boundedLog is the event log as it stood at head: a scratch rebuild sees
// exactly the events the view it is compared with had applied, however
// many are appended meanwhile.
type boundedLog struct {
	eventstore.Store
	head   eventstore.Position
	onRead func(n int)
}

func (b boundedLog) ReadAll(ctx context.Context, after eventstore.Position, limit int) ([]eventstore.RecordedEvent, error) {
	if !after.Before(b.head) {
		return nil, nil
	}
	page, err := b.Store.ReadAll(ctx, after, limit)
	for i, rec := range page {
		if b.head.Before(rec.Position) {
			page = page[:i]
			break
		}
	}
	if b.onRead != nil {
		b.onRead(len(page))
	}
	return page, err
}

func (b boundedLog) HeadPosition(context.Context) (eventstore.Position, error) { return b.head, nil }

// Close leaves the real store open: it belongs to the caller.
func (b boundedLog) Close() error { return nil }

// noBus is the subscriber of a runtime that only rebuilds: it is never
// started, so nothing subscribes.
type noBus struct{}

func (noBus) Subscribe(context.Context, string) (<-chan *message.Message, error) {
	return nil, fmt.Errorf("verify: a scratch rebuild has no bus")
}

// viewDocs is one build of a view: every document by key.
type viewDocs map[string][]byte

// rebuildView builds p from the log up to head into a scratch in-memory
// namespace with the projection runtime itself (so the comparison tests the
// code that serves), and returns its documents and the events it parked.
// A panic in Apply is turned into a parked event rather than a crash.
func rebuildView(ctx context.Context, log boundedLog, codec eventstore.Codec, p projections.Projection) (viewDocs, []runtime.Parked, error) {
	apply := p.Apply
	p.Apply = func(tx projections.Tx, ev projections.Event) (err error) {
		defer func() {
			if r := recover(); r != nil {
				err = fmt.Errorf("apply panicked: %v", r)
			}
		}()
		return apply(tx, ev)
	}
	rt, err := runtime.New(runtime.Config{
		Events: log, Codec: codec, Views: memstore.New(), Bus: noBus{},
		Projections: []projections.Projection{p}, Registerer: prometheus.NewRegistry(),
		Logger: slog.New(slog.DiscardHandler),
		// One try per event: a scratch build has nothing transient to wait out.
		Retry: runtime.Retry{Attempts: 1, Base: time.Millisecond, Max: time.Millisecond},
	})
	if err != nil {
		return nil, nil, fmt.Errorf("view %s: %w", p.Name, err)
	}
	if err := rt.Rebuild(ctx, p.Name); err != nil {
		return nil, nil, fmt.Errorf("view %s: rebuild: %w", p.Name, err)
	}
	rd, err := rt.Reader(ctx, p.Name)
	if err != nil {
		return nil, nil, fmt.Errorf("view %s: %w", p.Name, err)
	}
	docs := viewDocs{}
	if err := rd.Scan(ctx, "", func(k string, v []byte) error {
		docs[k] = v
		return nil
	}); err != nil {
		return nil, nil, fmt.Errorf("view %s: scan: %w", p.Name, err)
	}
	parked, err := rt.Parked(p.Name)
	if err != nil {
		return nil, nil, fmt.Errorf("view %s: %w", p.Name, err)
	}
	return docs, parked, nil
}

// parkedProblems reports the events a rebuild could not apply. The error
// text stays out: it may quote content.
func parkedProblems(view string, parked []runtime.Parked) []problem {
	out := make([]problem, 0, len(parked))
	for _, pk := range parked {
		out = append(out, problem{"view-parked", view,
			fmt.Sprintf("event %s (%s, position %s) could not be applied", pk.EventID, pk.Type, pk.Position)})
	}
	return out
}

// compareViews reports every key whose bytes differ between two builds of
// view, naming which side each key is missing from.
func compareViews(view, nameA, nameB string, a, b viewDocs) []problem {
	keys := make([]string, 0, len(a)+len(b))
	for k := range a {
		keys = append(keys, k)
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	var out []problem
	for _, k := range keys {
		va, inA := a[k]
		vb, inB := b[k]
		where := view + " " + k
		switch {
		case !inB:
			out = append(out, problem{"view-missing", where, fmt.Sprintf("in the %s, not in the %s", nameA, nameB)})
		case !inA:
			out = append(out, problem{"view-extra", where, fmt.Sprintf("in the %s, not in the %s", nameB, nameA)})
		case !bytes.Equal(va, vb):
			out = append(out, problem{"view-differs", where, fmt.Sprintf("%d bytes in the %s, %d in the %s, first difference at byte %d",
				len(va), nameA, len(vb), nameB, firstDiff(va, vb))})
		}
	}
	return out
}

func firstDiff(a, b []byte) int {
	n := min(len(a), len(b))
	for i := range n {
		if a[i] != b[i] {
			return i
		}
	}
	return n
}

// liveView is what the comparison needs of a running service's view.
type liveView struct {
	docs       viewDocs
	checkpoint eventstore.Position
}

// liveSource reads a running service's views (the admin dump endpoint).
type liveSource interface {
	View(ctx context.Context, name string) (liveView, error)
}

// checkViews rebuilds every view into scratch namespaces and compares it
// byte by byte: with the running service's live view at that view's
// checkpoint when live is set, else with a second, independent rebuild
// (which proves the views are a pure function of the log, and that no
// event fails to apply, but not that the live ones match).
func checkViews(ctx context.Context, store eventstore.Store, codec eventstore.Codec, views []projections.Projection,
	head eventstore.Position, live liveSource, prog *progress) ([]problem, error) {
	var problems []problem
	onRead := func(n int) { prog.Add(int64(n)) }
	for _, p := range views {
		if live != nil {
			lv, err := live.View(ctx, p.Name)
			if err != nil {
				return nil, fmt.Errorf("view %s: live: %w", p.Name, err)
			}
			docs, parked, err := rebuildView(ctx, boundedLog{Store: store, head: lv.checkpoint, onRead: onRead}, codec, p)
			if err != nil {
				return nil, err
			}
			problems = append(problems, parkedProblems(p.Name, parked)...)
			problems = append(problems, compareViews(p.Name, "rebuild", "live view", docs, lv.docs)...)
			continue
		}
		log := boundedLog{Store: store, head: head, onRead: onRead}
		first, parked, err := rebuildView(ctx, log, codec, p)
		if err != nil {
			return nil, err
		}
		second, _, err := rebuildView(ctx, log, codec, p)
		if err != nil {
			return nil, err
		}
		problems = append(problems, parkedProblems(p.Name, parked)...)
		problems = append(problems, compareViews(p.Name, "first rebuild", "second rebuild", first, second)...)
	}
	return problems, nil
}
