package runtime_test

import (
	"context"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/iup-platform/iup/domain/catalog"
	"github.com/iup-platform/iup/eventstore"
	"github.com/iup-platform/iup/eventstore/shred"
	"github.com/iup-platform/iup/eventstore/shred/shredtest"
	"github.com/iup-platform/iup/eventstore/sqlite"
	"github.com/iup-platform/iup/projections/views/sample"
)

// sampleLog is a sample organiser's school year written to SQLite through
// the sealing codec, as `iupd serve` stores it: the real events, sizes and
// decoding cost the views see in production.
type sampleLog struct {
	events  *sqlite.Store
	codec   eventstore.Codec
	keys    *shred.SQLiteKeyStore
	history []sample.Append
	next    int          // appends of history written so far
	n       int          // events written so far
	now     atomic.Int64 // the store's clock: the instant of the append being written
}

// newSampleLog opens an empty log in dir for c's history. Each append is
// recorded at the sample's own instant, so amendments and acknowledgements
// fall on the dates the history means.
func newSampleLog(t testing.TB, dir string, c sample.Config) *sampleLog {
	t.Helper()
	s := &sampleLog{history: sample.Generate(c)}
	events, err := sqlite.Open(filepath.Join(dir, "events.db"), sqlite.WithClock(func() time.Time { return time.Unix(0, s.now.Load()).UTC() }))
	if err != nil {
		t.Fatal(err)
	}
	keys, ks := shredtest.Open(t, dir)
	s.events, s.keys, s.codec = events, ks, shred.NewCodec(catalog.Events, keys)
	return s
}

// write appends the next appends of the history (all that are left when
// appends < 0) and returns the position of the last event written.
func (s *sampleLog) write(appends int) (eventstore.Position, error) {
	ctx := context.Background()
	var last eventstore.Position
	for ; s.next < len(s.history) && appends != 0; appends-- {
		a := s.history[s.next]
		data := make([]eventstore.EventData, len(a.Events))
		for i, ev := range a.Events {
			id := eventstore.NewEventID()
			payload, version, err := s.codec.Encode(ctx, a.Meta.Actor.Tenant, id, ev)
			if err != nil {
				return last, err
			}
			data[i] = eventstore.EventData{ID: id, Type: ev.EventType(), SchemaVersion: version, Data: payload,
				Metadata: eventstore.Metadata{Tenant: a.Meta.Actor.Tenant, ActorID: a.Meta.Actor.ID, ActorRole: string(a.Meta.Actor.Role)}}
		}
		s.now.Store(a.Meta.Now.UnixNano())
		res, err := s.events.Append(ctx, a.Stream, eventstore.Any(), data...)
		if err != nil {
			return last, err
		}
		s.next++
		s.n += len(a.Events)
		last = res.Position
	}
	return last, nil
}

// mustWrite is write for the test's own goroutine.
func (s *sampleLog) mustWrite(t testing.TB, appends int) eventstore.Position {
	t.Helper()
	last, err := s.write(appends)
	if err != nil {
		t.Fatal(err)
	}
	return last
}

func (s *sampleLog) Close() error {
	err := s.events.Close()
	if kerr := s.keys.Close(); err == nil {
		err = kerr
	}
	return err
}

// writeSample writes c's whole history into dir.
func writeSample(t testing.TB, dir string, c sample.Config) *sampleLog {
	t.Helper()
	s := newSampleLog(t, dir, c)
	s.mustWrite(t, -1)
	return s
}

// openSample opens an empty sample log in a directory removed when the
// test ends.
func openSample(t testing.TB, c sample.Config) *sampleLog {
	t.Helper()
	s := newSampleLog(t, t.TempDir(), c)
	t.Cleanup(func() { _ = s.Close() })
	return s
}
