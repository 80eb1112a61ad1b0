package shred

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/iup-platform/iup/domain"
	"github.com/iup-platform/iup/eventstore"
)

type commentWritten struct {
	Student string   `json:"student"`
	Level   string   `json:"level"`
	Comment string   `json:"comment" personal:"true"`
	Goals   []goal   `json:"goals,omitempty"`
	Tags    []string `json:"tags,omitempty"`
}

type goal struct {
	Text  string `json:"text" personal:"true"`
	Actor string `json:"actor"`
}

func (commentWritten) EventType() string     { return "test.comment-written" }
func (e commentWritten) DataSubject() string { return e.Student }

type orphanNote struct {
	Note string `json:"note" personal:"true"`
}

func (orphanNote) EventType() string { return "test.orphan-note" }

type setup struct {
	codec *Codec
	keys  *Keyring
	store *SQLiteKeyStore
	dir   string
}

func newSetup(t testing.TB) setup {
	t.Helper()
	dir := t.TempDir()
	mk, err := OpenFileMasterKey(filepath.Join(dir, "master.key"))
	if err != nil {
		t.Fatal(err)
	}
	ks, err := OpenSQLiteKeyStore(filepath.Join(dir, "keys.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ks.Close() })
	reg := domain.NewRegistry()
	domain.Register[commentWritten](reg, 1)
	domain.Register[orphanNote](reg, 1)
	keys := NewKeyring(mk, ks)
	return setup{codec: NewCodec(reg, keys), keys: keys, store: ks, dir: dir}
}

var ctx = context.Background()

func (s setup) roundTrip(t *testing.T, ev domain.Event) (eventstore.RecordedEvent, domain.Event, bool) {
	t.Helper()
	id := eventstore.NewEventID()
	data, v, err := s.codec.Encode(ctx, "t1", id, ev)
	if err != nil {
		t.Fatal(err)
	}
	rec := eventstore.RecordedEvent{EventData: eventstore.EventData{ID: id, Type: ev.EventType(), SchemaVersion: v, Data: data,
		Metadata: eventstore.Metadata{Tenant: "t1"}}, Stream: "s-1"}
	back, culled, err := s.codec.Decode(ctx, rec)
	if err != nil {
		t.Fatal(err)
	}
	return rec, back, culled
}

var sample = commentWritten{Student: "stu-1", Level: "2", Comment: "Läser med god förståelse, Åsa Öberg",
	Goals: []goal{{Text: "Läsa en bok i månaden", Actor: "student"}}, Tags: []string{"läsning"}}

func TestPersonalContentIsSealedAndOpensAgain(t *testing.T) {
	s := newSetup(t)
	rec, back, culled := s.roundTrip(t, sample)
	if culled || !reflect.DeepEqual(back, sample) {
		t.Fatalf("round trip = %#v culled=%v", back, culled)
	}
	for _, secret := range []string{"Läser", "Åsa", "bok i månaden"} {
		if bytes.Contains(rec.Data, []byte(secret)) {
			t.Errorf("stored data shows %q in the clear: %s", secret, rec.Data)
		}
	}
	var members map[string]json.RawMessage
	_ = json.Unmarshal(rec.Data, &members)
	if string(members["level"]) != `"2"` || string(members["student"]) != `"stu-1"` || members["tags"] == nil {
		t.Errorf("non-personal fields must stay readable: %s", rec.Data)
	}
}

func TestDestroyedKeyDecodesAsCulled(t *testing.T) {
	s := newSetup(t)
	rec, _, _ := s.roundTrip(t, sample)
	if err := s.keys.Destroy(ctx, "t1", "stu-1", "gallring: omdöme 2 år", time.Now()); err != nil {
		t.Fatal(err)
	}
	back, culled, err := s.codec.Decode(ctx, rec)
	if err != nil || !culled {
		t.Fatalf("decode after destroy: culled=%v err=%v", culled, err)
	}
	want := commentWritten{Student: "stu-1", Level: "2", Tags: []string{"läsning"}}
	if !reflect.DeepEqual(back, want) {
		t.Fatalf("culled event = %#v, want %#v", back, want)
	}
	// Nothing new may be written about a culled subject.
	if _, _, err := s.codec.Encode(ctx, "t1", eventstore.NewEventID(), sample); !errors.Is(err, ErrDestroyed) {
		t.Fatalf("encode after destroy: %v", err)
	}
	// Other subjects are untouched.
	other := sample
	other.Student = "stu-2"
	if _, back, culled := s.roundTrip(t, other); culled || !reflect.DeepEqual(back, other) {
		t.Fatal("another student's content was affected")
	}
}

func TestTamperedContentOrIDIsAnErrorNotCulled(t *testing.T) {
	s := newSetup(t)
	rec, _, _ := s.roundTrip(t, sample)

	moved := rec
	moved.ID = eventstore.NewEventID() // sealed content copied onto another event
	if _, _, err := s.codec.Decode(ctx, moved); err == nil {
		t.Fatal("content under another event id must not authenticate")
	}
	var members map[string]json.RawMessage
	_ = json.Unmarshal(rec.Data, &members)
	var box sealed
	_ = json.Unmarshal(members[sealedKey], &box)
	box.Data[len(box.Data)-1] ^= 1
	members[sealedKey], _ = json.Marshal(box)
	flipped := rec
	flipped.Data, _ = json.Marshal(members)
	if _, _, err := s.codec.Decode(ctx, flipped); err == nil {
		t.Fatal("a flipped ciphertext bit must not decode")
	}
}

func TestPersonalContentWithoutSubjectIsRefused(t *testing.T) {
	s := newSetup(t)
	if _, _, err := s.codec.Encode(ctx, "t1", eventstore.NewEventID(), orphanNote{Note: "x"}); err == nil {
		t.Fatal("an event with personal content must name its data subject")
	}
	// Empty personal content needs no key at all.
	rec, back, culled := s.roundTrip(t, commentWritten{Student: "stu-9", Level: "1"})
	if culled || bytes.Contains(rec.Data, []byte(sealedKey)) || back.(commentWritten).Level != "1" {
		t.Fatalf("empty personal content sealed: %s", rec.Data)
	}
}

func TestDestroyedKeyBytesLeaveTheKeyFile(t *testing.T) {
	s := newSetup(t)
	if _, _, err := s.codec.Encode(ctx, "t1", eventstore.NewEventID(), sample); err != nil {
		t.Fatal(err)
	}
	wrapped, err := s.store.Load(ctx, "t1", "stu-1")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.keys.Destroy(ctx, "t1", "stu-1", "radering", time.Now()); err != nil {
		t.Fatal(err)
	}
	if _, err := s.store.Load(ctx, "t1", "stu-1"); !errors.Is(err, ErrDestroyed) {
		t.Fatalf("load after destroy: %v", err)
	}
	for _, name := range []string{"keys.db", "keys.db-wal"} {
		b, err := os.ReadFile(filepath.Join(s.dir, name))
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(b, wrapped) {
			t.Errorf("%s still holds the destroyed wrapped key", name)
		}
	}
}

func TestAnotherProcessSeesTheDestructionAfterItsCacheExpires(t *testing.T) {
	s := newSetup(t)
	mk, err := OpenFileMasterKey(filepath.Join(s.dir, "master.key")) // the same key file, read again
	if err != nil {
		t.Fatal(err)
	}
	other := NewKeyring(mk, s.store)
	now := time.Now()
	other.now = func() time.Time { return now }
	otherCodec := NewCodec(s.codec.registry, other)

	rec, _, _ := s.roundTrip(t, sample)
	if _, culled, err := otherCodec.Decode(ctx, rec); err != nil || culled {
		t.Fatalf("the second keyring must open content sealed by the first: %v", err)
	}
	if err := s.keys.Destroy(ctx, "t1", "stu-1", "radering", now); err != nil {
		t.Fatal(err)
	}
	now = now.Add(other.ttl + time.Second)
	if _, culled, err := otherCodec.Decode(ctx, rec); err != nil || !culled {
		t.Fatalf("after the cache expired: culled=%v err=%v", culled, err)
	}
}

func TestMasterKeyFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "keys", "master.key")
	a, err := OpenFileMasterKey(path)
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode = %v, %v", fi.Mode(), err)
	}
	b, err := OpenFileMasterKey(path)
	if err != nil {
		t.Fatal(err)
	}
	w, _ := a.Wrap([]byte("0123456789abcdef0123456789abcdef"), []byte("aad"))
	if got, err := b.Unwrap(w, []byte("aad")); err != nil || string(got) != "0123456789abcdef0123456789abcdef" {
		t.Fatal("reopened master key cannot unwrap")
	}
	if _, err := b.Unwrap(w, []byte("other aad")); err == nil {
		t.Fatal("a wrapped key must be bound to its tenant and subject")
	}
	if err := os.WriteFile(path, []byte("not hex"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := OpenFileMasterKey(path); err == nil {
		t.Fatal("a corrupt key file must be refused")
	}
}

func TestPersonalMembers(t *testing.T) {
	got := PersonalMembers(reflect.TypeOf(commentWritten{}))
	if !reflect.DeepEqual(got, []string{"comment", "goals"}) {
		t.Fatalf("personal members = %v", got)
	}
}

// The sealed event is written as json.Marshal wrote it before (members
// sorted, values compact and HTML-escaped), without its second pass: the
// stored bytes and the sealed plaintext are the same as they were.
func TestSealedEventsAreWrittenAsJSONMarshalWritesThem(t *testing.T) {
	tricky := commentWritten{Student: "stu-<1>", Level: "a&b", Comment: "\"citat\"\n<b>fet</b> & \u2028 Åsa",
		Goals: []goal{{Text: "<mål>", Actor: "x\ty"}}, Tags: []string{"", "ä"}}
	for _, ev := range []domain.Event{sample, tricky, commentWritten{Student: "stu-2"}} {
		raw, err := json.Marshal(ev)
		if err != nil {
			t.Fatal(err)
		}
		var members map[string]json.RawMessage
		if err := json.Unmarshal(raw, &members); err != nil {
			t.Fatal(err)
		}
		members["_sealed"] = json.RawMessage(`{"subject":"s","data":"AAEC"}`)
		members["<odd key>\u00e5"] = json.RawMessage(`1`) // not a plain field name
		want, err := json.Marshal(members)
		if err != nil {
			t.Fatal(err)
		}
		if got := object(members); !bytes.Equal(got, want) {
			t.Errorf("object(%v)\n = %s\nwant %s", ev, got, want)
		}
	}
	s := newSetup(t)
	rec, back, _ := s.roundTrip(t, tricky)
	if !reflect.DeepEqual(back, tricky) {
		t.Fatalf("round trip = %#v", back)
	}
	var stored map[string]json.RawMessage
	if err := json.Unmarshal(rec.Data, &stored); err != nil {
		t.Fatal(err)
	}
	if again, _ := json.Marshal(stored); !bytes.Equal(again, rec.Data) {
		t.Errorf("stored %s\nnot as json.Marshal writes it: %s", rec.Data, again)
	}
}
