package audit

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/iup-platform/iup/domain"
)

// Limits of one read of a trail.
const (
	DefaultLimit = 50
	MaxLimit     = 200
)

// Page returns the newest limit entries of a trail before cursor, newest
// first, and the cursor of the next (older) page, "" when there is none. An
// empty cursor starts at the newest entry. Cursors name a place in the
// append-only trail, so pages stay stable while new entries arrive. read
// returns a document of the view, nil when missing.
func Page(read func(key string) ([]byte, error), tenant, kind, id string, cursor string, limit int) (entries []Entry, next string, err error) {
	switch kind {
	case KindStudent, KindActor, KindCourse:
	default:
		return nil, "", domain.Invalid("kind", "must be %s, %s or %s", KindStudent, KindActor, KindCourse)
	}
	if limit <= 0 {
		limit = DefaultLimit
	}
	limit = min(limit, MaxLimit)
	var h Head
	if err := get(read, Key(tenant, kind, id), &h); err != nil {
		return nil, "", err
	}
	end := h.Count
	if cursor != "" {
		c, ok := decodeCursor(cursor)
		if !ok || c > h.Count {
			return nil, "", domain.Invalid("cursor", "is not a cursor of this trail")
		}
		end = c
	}
	start := max(0, end-limit)
	entries = make([]Entry, 0, end-start)
	var p PageDoc
	loaded := -1
	for i := end - 1; i >= start; i-- {
		if n := i / PageSize; n != loaded {
			p = PageDoc{}
			if err := get(read, PageKey(tenant, kind, id, n), &p); err != nil {
				return nil, "", err
			}
			loaded = n
		}
		j := i % PageSize
		if j >= len(p.Entries) {
			return nil, "", fmt.Errorf("audit: page %d of %s has %d entries, want more than %d", loaded, Key(tenant, kind, id), len(p.Entries), j)
		}
		entries = append(entries, p.Entries[j])
	}
	if start > 0 {
		next = encodeCursor(start)
	}
	return entries, next, nil
}

func get(read func(string) ([]byte, error), key string, v any) error {
	b, err := read(key)
	if err != nil || b == nil {
		return err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("document %s: %w", key, err)
	}
	return nil
}

// A cursor is the count of entries older than the next page, wrapped so
// clients treat it as opaque.
func encodeCursor(n int) string {
	return base64.RawURLEncoding.EncodeToString([]byte("a" + strconv.Itoa(n)))
}

func decodeCursor(s string) (int, bool) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return 0, false
	}
	rest, ok := strings.CutPrefix(string(b), "a")
	if !ok {
		return 0, false
	}
	n, err := strconv.Atoi(rest)
	return n, err == nil && n >= 0
}
