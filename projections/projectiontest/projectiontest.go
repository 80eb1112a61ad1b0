// Package projectiontest feeds events to a projection and returns its whole
// view, so view tests compare everything a reader would see.
package projectiontest

import (
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"strings"
	"testing"
	"time"

	"github.com/iup-platform/iup/domain"
	"github.com/iup-platform/iup/eventstore"
	"github.com/iup-platform/iup/projections"
	"github.com/iup-platform/iup/projections/views/sample"
)

// Log builds a sequence of events as the store would deliver them:
// positions increasing, revisions per stream, recorded-at and actor as given.
type Log struct {
	events []projections.Event
	revs   map[string]uint64
	pos    uint64
}

// NewLog returns an empty log.
func NewLog() *Log { return &Log{revs: map[string]uint64{}} }

// Add appends events to stream, recorded at t by actor.
func (l *Log) Add(stream string, t time.Time, actor domain.Actor, events ...domain.Event) *Log {
	for _, ev := range events {
		rev, seen := l.revs[stream]
		if seen {
			rev++
		}
		l.revs[stream] = rev
		l.pos += 10 // sparse, as KurrentDB's positions are
		l.events = append(l.events, projections.Event{
			Envelope: domain.Envelope{Event: ev, Stream: stream, Revision: rev, RecordedAt: t.UTC(), Actor: actor},
			ID:       fmt.Sprintf("ev-%d", l.pos),
			Position: eventstore.Position{Commit: l.pos, Prepare: l.pos},
		})
	}
	return l
}

// Cull marks every event of stream as culled, with content already emptied
// by the caller's choice of events (for tests of culled projections).
func (l *Log) Cull(stream string) *Log {
	for i := range l.events {
		if l.events[i].Stream == stream {
			l.events[i].Culled = true
		}
	}
	return l
}

// Sample is the log of a generated organiser's school year (sample.Generate).
func Sample(c sample.Config) []projections.Event {
	l := NewLog()
	for _, a := range sample.Generate(c) {
		l.Add(a.Stream, a.Meta.Now, a.Meta.Actor, a.Events...)
	}
	return l.Events()
}

// Events returns the log.
func (l *Log) Events() []projections.Event { return l.events }

// View applies events to p in order, skipping types it does not handle as
// the runtime does, and returns every document of the view. Documents stay
// decoded across events in one overlay, as in the runtime, and are encoded
// at the end; every 97 events the staged writes are flushed to bytes, so
// both paths are exercised.
func View(t testing.TB, p projections.Projection, events []projections.Event) map[string]json.RawMessage {
	t.Helper()
	return ViewInBatches(t, p, events, 97)
}

// ViewInBatches is View with the staged writes flushed every n events: 1
// is the live path under a light load, where each event is a batch and a
// deferred render updates what the previous batch wrote.
func ViewInBatches(t testing.TB, p projections.Projection, events []projections.Event, n int) map[string]json.RawMessage {
	t.Helper()
	return viewOf(t, p, events, n, nil)
}

// viewWithFailingReads is View over a store whose read of a key, while an
// event is applied, fails the first time fail says so, as Redis may
// mid-event: the event's writes are rolled back and it is applied again,
// as the runtime retries it. A view that changes a document it read in
// place, rather than a copy, shows here: the rollback cannot undo it and
// the retry folds the event twice.
func viewWithFailingReads(t testing.TB, p projections.Projection, events []projections.Event, fail func(key string) bool) (view map[string]json.RawMessage, failures int) {
	t.Helper()
	failed := map[string]bool{}
	read := func(k string) error {
		if failed[k] || !fail(k) {
			return nil
		}
		failed[k] = true
		failures++
		return errReadFailed
	}
	return viewOf(t, p, events, 97, read), failures
}

var errReadFailed = errors.New("read failed")

// SameWhenReadsFail replays events through p three times with a third of
// the keys failing their first read mid-event (a different third each
// time, so every key fails once) and fails the test unless each replay
// holds the bytes of View's.
func SameWhenReadsFail(t testing.TB, p projections.Projection, events []projections.Event) {
	t.Helper()
	clean := View(t, p, events)
	total := 0
	for third := range uint32(3) {
		got, failures := viewWithFailingReads(t, p, events, func(key string) bool {
			return crc32.ChecksumIEEE([]byte(key))%3 == third
		})
		total += failures
		for k := range clean {
			if string(got[k]) != string(clean[k]) {
				t.Errorf("%s: %s after %d failed reads\n got %s\nwant %s", p.Name, k, failures, got[k], clean[k])
			}
		}
		for k := range got {
			if _, ok := clean[k]; !ok {
				t.Errorf("%s: %s only after failed reads", p.Name, k)
			}
		}
	}
	if total == 0 {
		t.Fatalf("%s: no read failed", p.Name)
	}
}

// viewOf applies events as ViewInBatches says; while it applies one (not
// while it renders), a read of the store asks read first when it is set.
func viewOf(t testing.TB, p projections.Projection, events []projections.Event, n int, read func(key string) error) map[string]json.RawMessage {
	t.Helper()
	docs := map[string][]byte{}
	applying := false
	o := projections.NewOverlay(func(k string) ([]byte, error) {
		if read != nil && applying {
			if err := read(k); err != nil {
				return nil, err
			}
		}
		return docs[k], nil
	})
	flush := func() {
		changes, err := o.Changes()
		if err != nil {
			t.Fatalf("%s: encode: %v", p.Name, err)
		}
		for _, c := range changes {
			if c.Value == nil {
				delete(docs, c.Key)
			} else {
				docs[c.Key] = c.Value
			}
		}
		o.Written()
	}
	for i, ev := range events {
		if !p.HandlesType(ev.Event.EventType()) {
			continue
		}
		for attempt := 1; ; attempt++ {
			o.Begin()
			applying = true
			err := p.Apply(o, ev)
			applying = false
			if err == nil {
				o.Commit()
				break
			}
			o.Rollback()
			if !errors.Is(err, errReadFailed) || attempt == 10 {
				t.Fatalf("%s: apply %s at %s: %v", p.Name, ev.Event.EventType(), ev.Position, err)
			}
		}
		if i%n == n-1 {
			flush()
		}
	}
	flush()
	out := make(map[string]json.RawMessage, len(docs))
	for k, v := range docs {
		out[k] = v
	}
	return out
}

// Doc decodes one document of a view into v, failing the test when missing.
func Doc(t testing.TB, view map[string]json.RawMessage, key string, v any) {
	t.Helper()
	raw, ok := view[key]
	if !ok {
		keys := make([]string, 0, len(view))
		for k := range view {
			keys = append(keys, k)
		}
		t.Fatalf("view has no document %q; it has %v", key, keys)
	}
	if err := json.Unmarshal(raw, v); err != nil {
		t.Fatalf("document %q: %v", key, err)
	}
}

// SameAsAlone checks that family, a projection serving several views, writes
// for each of them exactly the served documents (keys under the view's
// name) that the view's own projection writes alone from the same events.
func SameAsAlone(t testing.TB, family projections.Projection, alone []projections.Projection, events []projections.Event) {
	t.Helper()
	all := View(t, family, events)
	for _, p := range alone {
		if !family.Serves(p.Name) {
			t.Fatalf("%s does not serve %s", family.Name, p.Name)
		}
		own := View(t, p, events)
		prefix, n := p.Name+"/", 0
		for k, v := range all {
			if !strings.HasPrefix(k, prefix) {
				continue
			}
			n++
			if string(own[k]) != string(v) {
				t.Errorf("%s: %s differs from the view built alone", p.Name, k)
			}
		}
		for k := range own {
			if _, ok := all[k]; strings.HasPrefix(k, prefix) && !ok {
				t.Errorf("%s: %s is missing from %s", p.Name, k, family.Name)
			}
		}
		if n == 0 {
			t.Errorf("%s: %s wrote none of its documents", p.Name, family.Name)
		}
	}
}
