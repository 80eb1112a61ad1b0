package sqlite

import (
	"bytes"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/iup-platform/iup/eventstore"
)

// FuzzDecodeMetadata checks the metadata fast path against encoding/json
// on the same bytes: where encoding/json reads a value, the fast path must
// read the same one; where it refuses, so must the fast path. And what is
// read encodes by hand exactly as encoding/json would write it.
func FuzzDecodeMetadata(f *testing.F) {
	at := time.Date(2026, 3, 9, 7, 15, 30, 123456789, time.UTC)
	for _, md := range []eventstore.Metadata{
		{Tenant: "kommun", ActorID: "t1", ActorRole: "teacher", RecordedAt: at},
		{Tenant: "kommun", ActorID: "Åsa Öberg", OnBehalfOf: "m1", CorrelationID: "c", CausationID: "d", RequestID: "idem:k", RecordedAt: at,
			ContentHash: "ab12", PrevHash: "cd34"},
		{Tenant: "quote \" and \\ <&>", ActorID: "bad \xff utf-8", RecordedAt: at},
	} {
		f.Add(appendMetadata(nil, md))
	}
	for _, s := range []string{
		`{}`, `{"tenant":"t"}`, `{ "tenant" : "t" }`, `{"tenant":"t",}`, `{"tenant":"t","tenant":"u"}`, `{"TENANT":"t"}`,
		`{"tenant":null}`, `{"tenant":1}`, `{"tenant":"\u00c5"}`, `{"recorded_at":"x"}`, `{"recorded_at":"2026-01-01T00:00:00Z"}`,
		`{"extra":{"a":[1,2]}}`, `{"tenant":"t"} `, `{"tenant":"t"}x`, `"tenant"`, `null`, ``, `{"tenant":"a\nb"}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		got, err := decodeMetadata(b, 42)
		var want eventstore.Metadata
		jerr := json.Unmarshal(b, &want)
		want.RecordedAt = time.Unix(0, 42).UTC()
		var badTime *time.ParseError
		switch {
		case jerr != nil && err == nil && errors.As(jerr, &badTime):
			// Known and harmless: the fast path never reads the recorded_at
			// text (the column gives RecordedAt), so it does not refuse a
			// malformed one as encoding/json does. The store always writes
			// a valid one.
			return
		case jerr != nil && err == nil:
			t.Fatalf("%q: the fast path read %+v where encoding/json refuses: %v", b, got, jerr)
		case jerr == nil && err != nil:
			t.Fatalf("%q: the fast path refused (%v) where encoding/json reads %+v", b, err, want)
		case jerr == nil && got != want:
			t.Fatalf("%q: fast path %+v, encoding/json %+v", b, got, want)
		case err == nil:
			enc, jerr := json.Marshal(got)
			if jerr != nil || !bytes.Equal(appendMetadata(nil, got), enc) {
				t.Fatalf("%+v encodes by hand as %s, encoding/json %s", got, appendMetadata(nil, got), enc)
			}
		}
	})
}
