// Package domaintest has the given/when/then helper for decider tests and an
// in-memory EventLog for command-handler tests.
package domaintest

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/iup-platform/iup/domain"
)

// Spec is one given/when/then case for decider d.
type Spec[S any, C any] struct {
	t     *testing.T
	d     domain.Decider[S, C]
	given []domain.Event
}

// Given starts a case: the events already in the stream.
func Given[S any, C any](t *testing.T, d domain.Decider[S, C], events ...domain.Event) *Spec[S, C] {
	t.Helper()
	return &Spec[S, C]{t: t, d: d, given: events}
}

// When runs the command on the folded state.
func (s *Spec[S, C]) When(cmd C) *Outcome {
	s.t.Helper()
	state := s.d.Fold(s.given)
	events, err := s.d.Decide(state, cmd)
	return &Outcome{t: s.t, events: events, err: err}
}

// Outcome is the result of When.
type Outcome struct {
	t      *testing.T
	events []domain.Event
	err    error
}

// Then asserts that exactly these events were decided, with no error.
func (o *Outcome) Then(want ...domain.Event) {
	o.t.Helper()
	if o.err != nil {
		o.t.Fatalf("want events, got error: %v", o.err)
	}
	if len(want) == 0 && len(o.events) == 0 {
		return
	}
	if !reflect.DeepEqual(o.events, want) {
		o.t.Fatalf("events differ\n got: %s\nwant: %s", dump(o.events), dump(want))
	}
}

// ThenError asserts a refusal with the given code and no events.
func (o *Outcome) ThenError(code domain.Code) {
	o.t.Helper()
	if o.err == nil {
		o.t.Fatalf("want %s error, got events %s", code, dump(o.events))
	}
	if got := domain.ErrorCode(o.err); got != code {
		o.t.Fatalf("want %s error, got %q: %v", code, got, o.err)
	}
	if len(o.events) != 0 {
		o.t.Fatalf("a refused command must decide no events, got %s", dump(o.events))
	}
}

// Events returns what was decided, for assertions Then cannot express.
func (o *Outcome) Events() ([]domain.Event, error) { return o.events, o.err }

func dump(events []domain.Event) string {
	out := "["
	for i, e := range events {
		if i > 0 {
			out += ", "
		}
		b, _ := json.Marshal(e)
		out += fmt.Sprintf("%s%s", e.EventType(), b)
	}
	return out + "]"
}

// MemLog is an in-memory domain.EventLog for handler tests.
type MemLog struct {
	mu      sync.Mutex
	streams map[string][]domain.Envelope
	pos     int
	// BeforeAppend, when set, runs before each append (to inject a racing write).
	BeforeAppend func(stream string)
}

// NewMemLog returns an empty log.
func NewMemLog() *MemLog { return &MemLog{streams: map[string][]domain.Envelope{}} }

// Load implements domain.EventLog.
func (m *MemLog) Load(_ context.Context, stream string) (domain.Loaded, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	evs := append([]domain.Envelope(nil), m.streams[stream]...)
	return domain.Loaded{Events: evs, Version: domain.Version(len(evs)) - 1}, nil
}

// Append implements domain.EventLog.
func (m *MemLog) Append(_ context.Context, stream string, expected domain.Version, meta domain.Meta, events []domain.Event) (domain.Appended, error) {
	// Take the hook under the lock: concurrent appends must not race on it.
	m.mu.Lock()
	hook := m.BeforeAppend
	m.BeforeAppend = nil
	m.mu.Unlock()
	if hook != nil {
		hook(stream)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	cur := domain.Version(len(m.streams[stream])) - 1
	if cur != expected {
		return domain.Appended{}, fmt.Errorf("%s at %d, expected %d: %w", stream, cur, expected, domain.ErrVersionConflict)
	}
	for _, ev := range events {
		m.streams[stream] = append(m.streams[stream], domain.Envelope{
			Event: ev, Stream: stream, Revision: uint64(len(m.streams[stream])),
			RecordedAt: meta.Now, Actor: meta.Actor,
		})
		m.pos++
	}
	return domain.Appended{Version: domain.Version(len(m.streams[stream])) - 1, Position: fmt.Sprint(m.pos)}, nil
}

// Put seeds a stream with events recorded at t by actor (for facts).
func (m *MemLog) Put(stream string, t time.Time, actor domain.Actor, events ...domain.Event) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, ev := range events {
		m.streams[stream] = append(m.streams[stream], domain.Envelope{
			Event: ev, Stream: stream, Revision: uint64(len(m.streams[stream])), RecordedAt: t, Actor: actor,
		})
		m.pos++
	}
}

// Stream returns a copy of a stream's envelopes.
func (m *MemLog) Stream(stream string) []domain.Envelope {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]domain.Envelope(nil), m.streams[stream]...)
}
