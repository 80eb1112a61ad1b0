package shred

import (
	"context"
	"fmt"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/iup-platform/iup/domain"
	"github.com/iup-platform/iup/eventstore"
	"github.com/iup-platform/iup/eventstore/sqlite"
)

// commentState is what a decider folds from commentWritten: the latest
// level and comment, and how many were written.
type commentState struct {
	Level, Comment string
	Culled         bool
	Writes         int
}

type noCommand struct{ domain.Meta }

var comments = domain.Decider[commentState, noCommand]{
	Initial: func() commentState { return commentState{} },
	Decide:  func(commentState, noCommand) ([]domain.Event, error) { return nil, nil },
	Evolve: func(s commentState, ev domain.Event) commentState {
		e := ev.(commentWritten)
		s.Level, s.Comment, s.Writes = e.Level, e.Comment, s.Writes+1
		s.Culled = e.Comment == ""
		return s
	},
	Keep: "test.comments",
}

// readCounter records where each stream read started.
type readCounter struct {
	eventstore.Store
	mu    sync.Mutex
	froms []uint64
}

func (r *readCounter) ReadStream(ctx2 context.Context, stream string, o eventstore.ReadStreamOptions) ([]eventstore.RecordedEvent, error) {
	r.mu.Lock()
	r.froms = append(r.froms, o.From)
	r.mu.Unlock()
	return r.Store.ReadStream(ctx2, stream, o)
}

func (r *readCounter) reset() []uint64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.froms
	r.froms = nil
	return out
}

type keptSetup struct {
	setup
	reads *readCounter
	log   *eventstore.DomainLog
	now   *time.Time
}

func newKeptSetup(t *testing.T) keptSetup {
	t.Helper()
	s := newSetup(t)
	store, err := sqlite.Open(filepath.Join(s.dir, "events.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	now := time.Now()
	s.keys.now = func() time.Time { return now }
	reads := &readCounter{Store: store}
	log := eventstore.NewDomainLog(reads, s.codec, eventstore.WithClock(func() time.Time { return now }))
	return keptSetup{setup: s, reads: reads, log: log, now: &now}
}

func (k keptSetup) write(t *testing.T, level, comment string) {
	t.Helper()
	_, v, err := domain.Load(ctx, k.log, comments, "entry-1")
	if err != nil {
		t.Fatal(err)
	}
	meta := domain.Meta{Actor: domain.Actor{Tenant: "t1", ID: "u1", Role: domain.RoleTeacher}, Now: *k.now}
	if _, err := k.log.Append(ctx, "entry-1", v, meta, []domain.Event{commentWritten{Student: "stu-1", Level: level, Comment: comment}}); err != nil {
		t.Fatal(err)
	}
}

func (k keptSetup) fold(t *testing.T) (commentState, domain.Version) {
	t.Helper()
	s, v, err := domain.Load(ctx, k.log, comments, "entry-1")
	if err != nil {
		t.Fatal(err)
	}
	return s, v
}

func TestAKeptStateFoldsOnlyWhatWasAppendedSince(t *testing.T) {
	k := newKeptSetup(t)
	for i := range 5 {
		k.write(t, "2", "Läser bra, version "+string(rune('A'+i)))
	}
	k.reads.reset()
	s, v := k.fold(t) // each write folded before appending: 4 is new
	if s.Writes != 5 || v != 4 || s.Comment != "Läser bra, version E" {
		t.Fatalf("state %+v at %d", s, v)
	}
	if froms := k.reads.reset(); len(froms) != 1 || froms[0] != 4 {
		t.Fatalf("the fold read from %v, want only after the kept revision 3", froms)
	}
	if s2, v2 := k.fold(t); s2 != s || v2 != v {
		t.Fatalf("a second fold gave %+v at %d", s2, v2)
	}
	if froms := k.reads.reset(); len(froms) != 1 || froms[0] != 5 {
		t.Fatalf("the second fold read from %v, want only after the kept revision 4", froms)
	}
	// A fold without keeping gives the same state.
	whole := eventstore.NewDomainLog(k.reads, k.codec, eventstore.WithKeptStates(0))
	if ws, wv, err := domain.Load(ctx, whole, comments, "entry-1"); err != nil || ws != s || wv != v {
		t.Fatalf("whole fold %+v at %d (%v), kept %+v at %d", ws, wv, err, s, v)
	}
}

func TestADestroyedKeyDropsKeptStatesAtOnce(t *testing.T) {
	k := newKeptSetup(t)
	k.write(t, "2", "Behöver stöd i läsning.")
	if s, _ := k.fold(t); s.Comment == "" {
		t.Fatal("the comment did not decode")
	}
	if err := k.keys.Destroy(ctx, "t1", "stu-1", "gallring", *k.now); err != nil {
		t.Fatal(err)
	}
	if s, v := k.fold(t); s.Comment != "" || !s.Culled || v != 0 {
		t.Fatalf("after the key was destroyed the fold gave %+v at %d", s, v)
	}
}

func TestAStateDecodedBeforeADestructionIsNotKept(t *testing.T) {
	k := newKeptSetup(t)
	k.write(t, "2", "Behöver stöd i läsning.")
	loaded, err := k.log.LoadAfter(ctx, "entry-1", domain.NoStream)
	if err != nil || len(loaded.Events) != 1 {
		t.Fatalf("%+v, %v", loaded, err)
	}
	state := comments.Evolve(comments.Initial(), loaded.Events[0].Event)
	// The key is destroyed while the fold is under way: what it decoded
	// holds text that is culled by the time it is offered for keeping.
	if err := k.keys.Destroy(ctx, "t1", "stu-1", "gallring", *k.now); err != nil {
		t.Fatal(err)
	}
	k.log.KeepState(comments.Keep, "entry-1", state, domain.Loaded{Version: loaded.Version, Epoch: loaded.Epoch})
	if _, _, ok := k.log.KeptState(comments.Keep, "entry-1"); ok {
		t.Fatal("a state decoded before the destruction was kept")
	}
}

func TestKeptStatesExpireWithTheKeyCache(t *testing.T) {
	k := newKeptSetup(t)
	k.write(t, "2", "Behöver stöd i läsning.")
	k.fold(t)
	if _, _, ok := k.log.KeptState(comments.Keep, "entry-1"); !ok {
		t.Fatal("no state was kept")
	}
	// Another process may destroy the key; this one learns of it when its
	// key cache expires, and its kept states expire with it.
	*k.now = k.now.Add(k.keys.ForgetWithin())
	if _, _, ok := k.log.KeptState(comments.Keep, "entry-1"); ok {
		t.Fatal("a kept state outlived the key cache")
	}
}

// BenchmarkFoldAfterAnAppend is what a command on an entry with a long
// history pays to fold it when one event was appended since the last
// command: with kept states, and without (the whole stream). The ratio of
// the two is the figure (BENCHMARKS.md); both run in the same process.
func BenchmarkFoldAfterAnAppend(b *testing.B) {
	for _, history := range []int{20, 200} {
		for _, keep := range []int{0, eventstore.DefaultKeptStateBytes} {
			b.Run(fmt.Sprintf("history=%d/kept=%v", history, keep > 0), func(b *testing.B) {
				s := newSetup(b)
				store, err := sqlite.Open(filepath.Join(s.dir, "events.db"), sqlite.WithSoleWriter())
				if err != nil {
					b.Fatal(err)
				}
				defer store.Close()
				log := eventstore.NewDomainLog(store, s.codec, eventstore.WithKeptStates(keep))
				meta := domain.Meta{Actor: domain.Actor{Tenant: "t1", ID: "u1", Role: domain.RoleTeacher}, Now: time.Now()}
				comment := commentWritten{Student: "stu-1", Level: "2", Comment: "Läser med flyt och förstår det mesta; behöver öva på att sammanfatta."}
				for v := range history {
					if _, err := log.Append(ctx, "entry-1", domain.Version(v-1), meta, []domain.Event{comment}); err != nil {
						b.Fatal(err)
					}
				}
				// The state the previous command kept: all but the last event.
				whole, err := log.Load(ctx, "entry-1")
				if err != nil {
					b.Fatal(err)
				}
				prev := comments.Initial()
				for _, env := range whole.Events[:history-1] {
					prev = comments.Evolve(prev, env.Event)
				}
				last := domain.Version(history - 1)
				d, i := comments, 0
				for b.Loop() {
					// A kept state is never replaced by an older one: each
					// round keeps the previous state under a name of its own.
					b.StopTimer()
					i++
					d.Keep = "bench-" + strconv.Itoa(i)
					log.KeepState(d.Keep, "entry-1", prev, domain.Loaded{Version: last - 1, Epoch: whole.Epoch})
					b.StartTimer()
					if st, v, err := domain.Load(ctx, log, d, "entry-1"); err != nil || v != last || st.Writes != history {
						b.Fatalf("folded %d writes to %d, %v", st.Writes, v, err)
					}
				}
			})
		}
	}
}
