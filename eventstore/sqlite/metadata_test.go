package sqlite

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/iup-platform/iup/eventstore"
)

// The hand-written metadata JSON must be exactly what encoding/json writes
// and reads, for every string, or stored events would depend on the path.
func TestMetadataJSONMatchesEncodingJSON(t *testing.T) {
	at := time.Date(2026, 3, 9, 7, 15, 30, 123456789, time.UTC)
	values := []string{
		"", "plain", "Ämneslärare Åsa Öberg", "a\u030a decomposed", `quote " and \ backslash`,
		"tab\tnewline\ncontrol\x01", "<b>&amp;</b>", "line\u2028separator\u2029", "bad utf-8 \xff\xfe",
		"emoji 🎓", "del \x7f", "ends with ö",
	}
	for _, v := range values {
		md := eventstore.Metadata{Tenant: v, ActorID: v, ActorRole: "teacher", OnBehalfOf: v,
			CorrelationID: v, CausationID: "c", RequestID: v, RecordedAt: at}
		want, err := json.Marshal(md)
		if err != nil {
			t.Fatal(err)
		}
		got := appendMetadata(nil, md)
		if string(got) != string(want) {
			t.Fatalf("%q: encoded\n%s\nwant\n%s", v, got, want)
		}
		var viaJSON eventstore.Metadata
		if err := json.Unmarshal(want, &viaJSON); err != nil {
			t.Fatal(err)
		}
		back, err := decodeMetadata(got, at.UnixNano())
		if err != nil {
			t.Fatalf("%q: decode: %v", v, err)
		}
		if back != viaJSON {
			t.Fatalf("%q: decoded %+v, encoding/json reads %+v", v, back, viaJSON)
		}
	}
}

func TestMetadataDecodeFallsBackForOtherJSON(t *testing.T) {
	for _, in := range []string{
		`{ "tenant" : "t", "actor_id": "a" }`,    // whitespace
		`{"tenant":"t","extra":{"nested":true}}`, // unknown, non-string key
		`{"tenant":"\u00c5sa","actor_id":"a"}`,   // escapes
		`{}`,
	} {
		var want eventstore.Metadata
		if err := json.Unmarshal([]byte(in), &want); err != nil {
			t.Fatal(err)
		}
		want.RecordedAt = time.Unix(0, 42).UTC()
		got, err := decodeMetadata([]byte(in), 42)
		if err != nil || got != want {
			t.Fatalf("%s: decoded %+v (%v), want %+v", in, got, err, want)
		}
	}
	if _, err := decodeMetadata([]byte(`{"tenant":`), 0); err == nil {
		t.Fatal("truncated metadata decoded without error")
	}
}
