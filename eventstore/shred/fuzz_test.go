package shred

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/google/uuid"

	"github.com/iup-platform/iup/domain"
	"github.com/iup-platform/iup/eventstore"
)

// FuzzDecode feeds random stored bytes and event ids to the sealing
// codec's Decode: it must never panic, and sealed content must open only
// under the event id it was sealed for, so one event's comment can never
// be shown as another's.
func FuzzDecode(f *testing.F) {
	reg := domain.NewRegistry()
	domain.Register[commentWritten](reg, 1)
	dir := f.TempDir()
	mk, err := OpenFileMasterKey(filepath.Join(dir, "master.key"))
	if err != nil {
		f.Fatal(err)
	}
	ks, err := OpenSQLiteKeyStore(filepath.Join(dir, "keys.db"))
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { ks.Close() })
	codec := NewCodec(reg, NewKeyring(mk, ks))
	ctx := context.Background()

	type sealedSeed struct {
		id     uuid.UUID
		secret []byte
	}
	var seeds []sealedSeed
	for i := range 3 {
		id := eventstore.NewEventID()
		secret := fmt.Sprintf("HEMLIGT-%d-omdöme", i)
		data, _, err := codec.Encode(ctx, "kommun", id, commentWritten{Student: fmt.Sprintf("s%d", i), Level: "2", Comment: secret,
			Goals: []goal{{Text: secret + "-mål", Actor: "m"}}})
		if err != nil {
			f.Fatal(err)
		}
		seeds = append(seeds, sealedSeed{id, []byte(secret)})
		other := eventstore.NewEventID()
		f.Add(data, id[:], 1)    // opens
		f.Add(data, other[:], 1) // another event's id: must not open
		f.Add(bytes.Replace(data, []byte(`"subject":"`), []byte(`"subject":"x`), 1), id[:], 1)
		f.Add(data[:len(data)-3], id[:], 1)
	}
	for _, garbage := range []string{`{}`, `{"_sealed":null}`, `{"_sealed":{"subject":"s0","data":""}}`,
		`{"_sealed":{"subject":"s0","data":"AAAA"}}`, `{"_sealed":"x"}`, `"_sealed"`, `[]`, ``} {
		f.Add([]byte(garbage), make([]byte, 16), 1)
	}
	f.Fuzz(func(t *testing.T, data, idBytes []byte, version int) {
		var id uuid.UUID
		copy(id[:], idBytes)
		rec := eventstore.RecordedEvent{Stream: "test-kommun.x", EventData: eventstore.EventData{ID: id, Type: "test.comment-written",
			SchemaVersion: version, Data: data, Metadata: eventstore.Metadata{Tenant: "kommun"}}}
		ev, culled, err := codec.Decode(ctx, rec)
		if err != nil || culled {
			return
		}
		opened, err := json.Marshal(ev)
		if err != nil {
			t.Fatal(err)
		}
		for _, sd := range seeds {
			// A secret not given in the clear must have come out of a box
			// sealed for this very event.
			if bytes.Contains(opened, sd.secret) && !bytes.Contains(data, sd.secret) && sd.id != id {
				t.Fatalf("event %s shows content sealed for event %s", id, sd.id)
			}
		}
	})
}
