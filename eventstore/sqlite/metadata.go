package sqlite

import (
	"encoding/json"
	"time"
	"unicode/utf8"

	"github.com/iup-platform/iup/eventstore"
)

// Metadata is stored as the JSON encoding/json would write for
// eventstore.Metadata. Encoding and decoding it by hand is a fast path only:
// reflection-based JSON was half the cost of ReadAll. Whatever the fast path
// does not recognise goes through encoding/json, so the results are the same.

// appendMetadata appends md as JSON, keys in struct order, omitempty honoured.
func appendMetadata(buf []byte, md eventstore.Metadata) []byte {
	buf = append(buf, `{"tenant":`...)
	buf = appendString(buf, md.Tenant)
	for _, f := range []struct{ key, val string }{
		{`,"actor_id":`, md.ActorID}, {`,"actor_role":`, md.ActorRole}, {`,"on_behalf_of":`, md.OnBehalfOf},
		{`,"correlation_id":`, md.CorrelationID}, {`,"causation_id":`, md.CausationID}, {`,"request_id":`, md.RequestID},
	} {
		if f.val != "" {
			buf = append(buf, f.key...)
			buf = appendString(buf, f.val)
		}
	}
	buf = append(buf, `,"recorded_at":"`...)
	buf = md.RecordedAt.AppendFormat(buf, time.RFC3339Nano)
	buf = append(buf, '"')
	// Hex hashes never need escaping.
	if md.ContentHash != "" {
		buf = append(buf, `,"content_hash":"`...)
		buf = append(buf, md.ContentHash...)
		buf = append(buf, '"')
	}
	if md.PrevHash != "" {
		buf = append(buf, `,"prev_hash":"`...)
		buf = append(buf, md.PrevHash...)
		buf = append(buf, '"')
	}
	return append(buf, '}')
}

// appendString quotes s as JSON; anything that would need escaping (or
// fixing, for invalid UTF-8) is left to encoding/json.
func appendString(buf []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' || c >= utf8.RuneSelf {
			if c < utf8.RuneSelf || !plainUTF8(s[i:]) {
				b, _ := json.Marshal(s)
				return append(buf, b...)
			}
			break // the rest is checked by plainUTF8, which also saw the ASCII tail
		}
	}
	buf = append(buf, '"')
	buf = append(buf, s...)
	return append(buf, '"')
}

// plainUTF8 reports whether s is valid UTF-8 that encoding/json would copy
// unchanged: no control, quote, backslash, HTML or line-separator characters.
func plainUTF8(s string) bool {
	for _, r := range s {
		switch {
		case r == utf8.RuneError, r < 0x20, r == '"', r == '\\', r == '<', r == '>', r == '&', r == '\u2028', r == '\u2029':
			return false
		}
	}
	return true
}

// decodeMetadata reads what appendMetadata (or encoding/json) wrote. The
// recorded_at column, not the JSON text, gives RecordedAt: cheaper to parse.
func decodeMetadata(b []byte, recordedAt int64) (eventstore.Metadata, error) {
	md, ok := decodeFlat(b)
	if !ok {
		md = eventstore.Metadata{}
		if err := json.Unmarshal(b, &md); err != nil {
			return md, err
		}
	}
	md.RecordedAt = time.Unix(0, recordedAt).UTC()
	return md, nil
}

// decodeFlat parses an object of string values without whitespace or
// escapes; ok is false for anything else. The blob becomes one string and
// every value a substring of it: one allocation and one UTF-8 check per
// event instead of one per field, which matters on the ReadAll path.
func decodeFlat(raw []byte) (md eventstore.Metadata, ok bool) {
	if len(raw) < 2 || raw[0] != '{' || raw[len(raw)-1] != '}' || !utf8.Valid(raw) {
		return md, false
	}
	b := string(raw)
	i := 1
	for i < len(b)-1 {
		key, next, ok := plainString(b, i)
		if !ok || next >= len(b) || b[next] != ':' {
			return md, false
		}
		val, next, ok := plainString(b, next+1)
		if !ok {
			return md, false
		}
		switch key {
		case "tenant":
			md.Tenant = val
		case "actor_id":
			md.ActorID = val
		case "actor_role":
			md.ActorRole = val
		case "on_behalf_of":
			md.OnBehalfOf = val
		case "correlation_id":
			md.CorrelationID = val
		case "causation_id":
			md.CausationID = val
		case "request_id":
			md.RequestID = val
		case "content_hash":
			md.ContentHash = val
		case "prev_hash":
			md.PrevHash = val
		case "recorded_at":
		default:
			return md, false // unknown key: let encoding/json decide
		}
		switch {
		case next < len(b)-1 && b[next] == ',':
			i = next + 1
		case next == len(b)-1:
			return md, true
		default:
			return md, false
		}
	}
	return md, false
}

// plainString reads a JSON string at b[i] that has no escapes; it returns
// the string (a substring of b, valid UTF-8 because b is) and the index
// after its closing quote.
func plainString(b string, i int) (string, int, bool) {
	if i >= len(b) || b[i] != '"' {
		return "", 0, false
	}
	for j := i + 1; j < len(b); j++ {
		switch c := b[j]; {
		case c == '"':
			return b[i+1 : j], j + 1, true
		case c == '\\' || c < 0x20:
			return "", 0, false
		}
	}
	return "", 0, false
}
