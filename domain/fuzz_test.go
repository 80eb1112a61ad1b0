package domain

import (
	"encoding/json"
	"strings"
	"testing"
)

// Ids, dates and term references arrive from URLs and JSON bodies: the
// parsers must never panic, and what they accept must round-trip.

func FuzzCheckID(f *testing.F) {
	for _, seed := range []string{
		"", "s1", "elev-42_b", strings.Repeat("a", 64), strings.Repeat("a", 65), "-leading", "has.dot", "has:colon",
		"has space", "ÅsaÖ", "19121212-1212", "121212+1212", "191212121212", " 121212-1212 ", "a\x00b", "\xff",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, id string) {
		err := CheckID("id", id)
		if ValidID(id) != (err == nil) {
			t.Fatalf("ValidID(%q) = %v but CheckID says %v", id, ValidID(id), err)
		}
		if err != nil {
			return
		}
		// An accepted id is safe in a stream name and a URL: it cannot hide
		// a separator or a personal identity number.
		if len(id) == 0 || len(id) > 64 || strings.ContainsAny(id, ".:/ \x00") {
			t.Fatalf("accepted %q", id)
		}
		if LooksLikePersonalNumber(id) {
			t.Fatalf("accepted a personal-number shape %q", id)
		}
		stream := StreamName("cat", "tenant", id)
		if !strings.HasSuffix(stream, "."+id) || strings.Count(stream, ".") != 1 {
			t.Fatalf("stream name %q does not split back to id %q", stream, id)
		}
	})
}

func FuzzParseDate(f *testing.F) {
	for _, seed := range []string{
		"2026-08-17", "2027-02-29", "2028-02-29", "0000-01-01", "9999-12-31", "2026-13-01", "2026-8-17",
		"2026-08-17T00:00:00Z", " 2026-08-17", "", "null", "20260817", "+2026-08-17", "2026-08-17\x00",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseDate(s)
		if err != nil {
			return
		}
		if d.String() != s {
			t.Fatalf("ParseDate(%q) = %v, which prints as %q", s, d, d.String())
		}
		again, err := ParseDate(d.String())
		if err != nil || again != d {
			t.Fatalf("%q does not round-trip: %v %v", s, again, err)
		}
		b, err := json.Marshal(d)
		if err != nil {
			t.Fatal(err)
		}
		var back Date
		if err := json.Unmarshal(b, &back); err != nil || back != d {
			t.Fatalf("JSON round trip of %q: %s -> %v, %v", s, b, back, err)
		}
		if !d.AddDays(1).After(d) || d.AddDays(0) != d {
			t.Fatalf("day arithmetic on %v", d)
		}
	})
}

func FuzzParseTermRef(f *testing.F) {
	for _, seed := range []string{
		"2026-2027:HT", "2026-2027:VT", "2026-2027:ht", ":HT", "2026-2027:", "2026-2027", "a:b:HT",
		"2026 2027:VT", "19121212-1212:HT", strings.Repeat("y", 64) + ":VT", "å:HT", "",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ref, err := ParseTermRef(s)
		if err != nil {
			return
		}
		if ref.String() != s || ref.Check("term") != nil {
			t.Fatalf("ParseTermRef(%q) = %+v (%q)", s, ref, ref.String())
		}
		if !ref.Kind.Valid() || strings.Contains(ref.SchoolYear, ":") {
			t.Fatalf("accepted %+v", ref)
		}
	})
}
