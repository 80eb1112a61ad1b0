package domaintest

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"sync"
	"testing"

	"github.com/iup-platform/iup/domain"
)

// CheckKeepable fails t when d's states cannot be kept between commands
// (see Keepable).
func CheckKeepable[S any, C any](t *testing.T, d domain.Decider[S, C], events []domain.Event) {
	t.Helper()
	if d.Keep == "" {
		t.Fatalf("the decider has no Keep name: its states are never kept")
	}
	if err := Keepable(d, events); err != nil {
		t.Fatal(err)
	}
}

// Keepable reports why d's states cannot be kept between commands: folding
// events onto a state changes that state through memory it shares (a slice
// appended in place, a map written), or two folds started from one state
// disturb each other. For every prefix of events it folds the rest onto the
// prefix's state, and every later suffix onto the same state, and compares
// each with a fold from scratch. The first event must create the aggregate:
// suffixes are folded only onto states that hold it, and a suffix whose
// fold panics (it changes something its skipped events made) is passed over.
func Keepable[S any, C any](d domain.Decider[S, C], events []domain.Event) error {
	fresh := func(evs ...[]domain.Event) S {
		s := d.Initial()
		for _, part := range evs {
			for _, ev := range part {
				s = d.Evolve(s, ev)
			}
		}
		return s
	}
	for i := 0; i <= len(events); i++ {
		kept := fresh(events[:i])
		whole := kept
		for _, ev := range events[i:] {
			whole = d.Evolve(whole, ev)
		}
		for j := i + 1; j <= len(events) && i > 0; j++ { // the first event creates the aggregate
			other, ok := foldOnto(d, kept, events[j:])
			if !ok {
				continue // skipping events made a history no stream has
			}
			if want, _ := foldOnto(d, d.Initial(), append(slices.Clip(events[:i]), events[j:]...)); !reflect.DeepEqual(other, want) {
				return fmt.Errorf("events %d.. folded onto the state after %d events differ from a fold from scratch:\n got %+v\nwant %+v", j, i, other, want)
			}
		}
		if want := fresh(events[:i]); !reflect.DeepEqual(kept, want) {
			return fmt.Errorf("folding onto the state after %d events changed it:\n got %+v\nwant %+v", i, kept, want)
		}
		if want := fresh(events); !reflect.DeepEqual(whole, want) {
			return fmt.Errorf("the state after %d events, folded on from a kept state, was disturbed by a second fold:\n got %+v\nwant %+v", i, whole, want)
		}
	}
	return nil
}

// foldOnto folds events onto s; ok is false when Evolve panicked (on a
// history no stream has, such as a change of something never created).
func foldOnto[S any, C any](d domain.Decider[S, C], s S, events []domain.Event) (out S, ok bool) {
	defer func() {
		if recover() != nil {
			ok = false
		}
	}()
	for _, ev := range events {
		s = d.Evolve(s, ev)
	}
	return s, true
}

// KeepingLog is a MemLog that keeps folded states (domain.StateKeeper), to
// test command handlers on the path a production log takes.
type KeepingLog struct {
	*MemLog
	mu   sync.Mutex
	kept map[[2]string]keptState
	// Hits counts folds that started from a kept state.
	Hits int
}

type keptState struct {
	state any
	at    domain.Loaded
}

// NewKeepingLog returns an empty keeping log.
func NewKeepingLog() *KeepingLog {
	return &KeepingLog{MemLog: NewMemLog(), kept: map[[2]string]keptState{}}
}

// KeptState implements domain.StateKeeper.
func (l *KeepingLog) KeptState(kind, stream string) (any, domain.Loaded, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	k, ok := l.kept[[2]string{kind, stream}]
	if ok {
		l.Hits++
	}
	return k.state, k.at, ok
}

// KeepState implements domain.StateKeeper.
func (l *KeepingLog) KeepState(kind, stream string, state any, at domain.Loaded) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if k, ok := l.kept[[2]string{kind, stream}]; !ok || k.at.Version < at.Version {
		l.kept[[2]string{kind, stream}] = keptState{state, at}
	}
}

// LoadAfter implements domain.StateKeeper.
func (l *KeepingLog) LoadAfter(ctx context.Context, stream string, after domain.Version) (domain.Loaded, error) {
	loaded, err := l.Load(ctx, stream)
	return loaded.After(after), err
}

var _ domain.StateKeeper = (*KeepingLog)(nil)
