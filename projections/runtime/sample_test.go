package runtime_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/iup-platform/iup/domain/catalog"
	"github.com/iup-platform/iup/eventstore"
	"github.com/iup-platform/iup/eventstore/shred"
	"github.com/iup-platform/iup/eventstore/sqlite"
	"github.com/iup-platform/iup/projections/views/sample"
)

// sampleLog is a sample organiser's school year written to SQLite through
// the sealing codec, as `iupd serve` stores it: the real events, sizes and
// decoding cost the views see in production.
type sampleLog struct {
	events *sqlite.Store
	codec  eventstore.Codec
	keys   *shred.SQLiteKeyStore
	n      int
}

// writeSample writes c's history into dir. Each append is recorded at the
// sample's own instant, so amendments and acknowledgements fall on the
// dates the history means.
func writeSample(t testing.TB, dir string, c sample.Config) *sampleLog {
	t.Helper()
	var now time.Time
	events, err := sqlite.Open(filepath.Join(dir, "events.db"), sqlite.WithClock(func() time.Time { return now }))
	if err != nil {
		t.Fatal(err)
	}
	mk, err := shred.OpenFileMasterKey(filepath.Join(dir, "master.key"))
	if err != nil {
		t.Fatal(err)
	}
	ks, err := shred.OpenSQLiteKeyStore(filepath.Join(dir, "keys.db"))
	if err != nil {
		t.Fatal(err)
	}
	codec := shred.NewCodec(catalog.Events, shred.NewKeyring(mk, ks))
	ctx := context.Background()
	h := sample.Generate(c)
	for _, a := range h {
		data := make([]eventstore.EventData, len(a.Events))
		for i, ev := range a.Events {
			id := eventstore.NewEventID()
			payload, version, err := codec.Encode(ctx, a.Meta.Actor.Tenant, id, ev)
			if err != nil {
				t.Fatal(err)
			}
			data[i] = eventstore.EventData{ID: id, Type: ev.EventType(), SchemaVersion: version, Data: payload,
				Metadata: eventstore.Metadata{Tenant: a.Meta.Actor.Tenant, ActorID: a.Meta.Actor.ID, ActorRole: string(a.Meta.Actor.Role)}}
		}
		now = a.Meta.Now
		if _, err := events.Append(ctx, a.Stream, eventstore.Any(), data...); err != nil {
			t.Fatal(err)
		}
	}
	return &sampleLog{events: events, codec: codec, keys: ks, n: sample.Count(h)}
}

func (s *sampleLog) Close() error {
	err := s.events.Close()
	if kerr := s.keys.Close(); err == nil {
		err = kerr
	}
	return err
}

// openSample writes c's history into a directory removed when the test ends.
func openSample(t testing.TB, c sample.Config) *sampleLog {
	t.Helper()
	s := writeSample(t, t.TempDir(), c)
	t.Cleanup(func() { _ = s.Close() })
	return s
}
