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
// returns documents of the view, nil where missing: the head, then, when
// the entries are not all in its tail, the full pages they are on, in one
// call.
func Page(read func(keys ...string) ([][]byte, error), tenant, kind, id string, cursor string, limit int) (entries []Entry, next string, err error) {
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
	key := Key(tenant, kind, id)
	head, err := read(key)
	if err != nil {
		return nil, "", err
	}
	if err := decodeDoc(key, head[0], &h); err != nil {
		return nil, "", err
	}
	tail := h.full() * PageSize // index of the tail's first entry
	if err := h.check(key); err != nil {
		if len(h.Tail) != 0 {
			return nil, "", err
		}
		// A head of the view's version 2, served while version 3 is
		// built: its newest entries are on a page of their own.
		tail = h.Count
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
	for i := end - 1; i >= max(start, tail); i-- {
		entries = append(entries, h.Tail[i-tail])
	}
	if last := min(end, tail); start < last {
		first := start / PageSize
		keys := make([]string, 0, (last-1)/PageSize-first+1)
		for n := first; n <= (last-1)/PageSize; n++ {
			keys = append(keys, pageKey(key, n))
		}
		docs, err := read(keys...)
		if err != nil {
			return nil, "", err
		}
		pages := make([]PageDoc, len(keys))
		for i := range pages {
			if err := decodeDoc(keys[i], docs[i], &pages[i]); err != nil {
				return nil, "", err
			}
			if want := min(PageSize, h.Count-(first+i)*PageSize); len(pages[i].Entries) < want {
				return nil, "", fmt.Errorf("audit: page %s has %d entries, want %d", keys[i], len(pages[i].Entries), want)
			}
		}
		for i := last - 1; i >= start; i-- {
			entries = append(entries, pages[i/PageSize-first].Entries[i%PageSize])
		}
	}
	if start > 0 {
		next = encodeCursor(start)
	}
	return entries, next, nil
}

// decodeDoc decodes the document b read at key into v; a missing one (nil)
// leaves v as it is.
func decodeDoc(key string, b []byte, v any) error {
	if b == nil {
		return nil
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
