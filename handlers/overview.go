package handlers

import (
	"bytes"

	gojson "github.com/goccy/go-json"

	"github.com/iup-platform/iup/domain"
	"github.com/iup-platform/iup/projections/views/staff"
)

// The mentor overview's cut without decoding the document on every read.
// A stored overview is decoded once into what the cut reads (each row's
// student, protection and mentor periods) and where each row's bytes lie;
// that is kept per key and reused while the stored bytes are byte-equal to
// the ones it came from (a comparison, never a stale cut). A mentor's
// answer is then the stored bytes, or the stored bytes without the rows of
// former mentees; only a protected row (whose name depends on the caller)
// needs the document decoded and encoded again.

// storedOverview is a stored mentor overview as the cut reads it; it is
// not changed once made.
type storedOverview struct {
	raw  []byte
	rows []overviewRow
	// spans are the rows' bytes in raw, and open and close the rows
	// array's brackets; nil spans when they were not found (then a cut
	// decodes the document).
	spans       [][2]int
	open, close int
}

// overviewRow is what the cut reads of a row.
type overviewRow struct {
	StudentID string         `json:"student_id"`
	Protected bool           `json:"protected"`
	Mentor    []staff.Period `json:"mentor"`
}

// The cache holds at most overviewCacheSize overviews of at most
// maxCachedOverview bytes each, 16 MiB at most (a class of 30 in 10
// subjects is about 40 KB; a larger overview is decoded on every read).
const (
	overviewCacheSize = 256
	maxCachedOverview = 64 << 10
)

// storedOverview is the stored overview raw at key, from the cache when
// raw is the bytes it was made from.
func (a *API) storedOverview(key string, raw []byte) (*storedOverview, error) {
	if o, ok := a.reads.overviews.Get(key); ok && bytes.Equal(o.raw, raw) {
		return o, nil
	}
	var fields struct {
		Rows []overviewRow `json:"rows"`
	}
	if err := decodeDoc(staff.MentorOverviewName, raw, &fields); err != nil {
		return nil, err
	}
	var rows struct {
		Rows []gojson.RawMessage `json:"rows"`
	}
	if err := decodeDoc(staff.MentorOverviewName, raw, &rows); err != nil {
		return nil, err
	}
	o := &storedOverview{raw: raw, rows: fields.Rows}
	if len(rows.Rows) == len(fields.Rows) {
		o.spans, o.open, o.close = locateRows(raw, rows.Rows)
	}
	if len(raw) <= maxCachedOverview {
		a.reads.overviews.Add(key, o)
	}
	return o, nil
}

// locateRows finds the rows array in raw: its brackets and each row's
// bytes, checked to be exactly rows, in order, separated by commas. It
// returns nil spans when raw is not laid out so.
func locateRows(raw []byte, rows []gojson.RawMessage) (spans [][2]int, open, close int) {
	key := []byte(`"rows":[`)
	i := bytes.Index(raw, key) // a string's quotes are escaped: this is the key
	if i < 0 {
		return nil, 0, 0
	}
	open = i + len(key) - 1
	at := open + 1
	spans = make([][2]int, 0, len(rows))
	for n, r := range rows {
		if n > 0 {
			if at >= len(raw) || raw[at] != ',' {
				return nil, 0, 0
			}
			at++
		}
		if len(r) == 0 || !bytes.HasPrefix(raw[at:], r) {
			return nil, 0, 0
		}
		spans = append(spans, [2]int{at, at + len(r)})
		at += len(r)
	}
	if at >= len(raw) || raw[at] != ']' {
		return nil, 0, 0
	}
	return spans, open, at
}

// answer is the overview as role sees it on day, and the rows shown (by
// index); false when it must be decoded: a protected row, or a cut of
// rows not located.
func (o *storedOverview) answer(role domain.Role, day domain.Date) (encodedJSON, []int, bool) {
	shown := make([]int, 0, len(o.rows))
	for i, r := range o.rows {
		if r.Protected {
			return nil, nil, false
		}
		// A mentor sees the students they mentor today, not former mentees.
		if role != domain.RoleMentor || (staff.MenteeRow{Mentor: r.Mentor}).MentoredOn(day) {
			shown = append(shown, i)
		}
	}
	if len(shown) == len(o.rows) {
		return o.raw, shown, true
	}
	if o.spans == nil {
		return nil, nil, false
	}
	b := make([]byte, 0, len(o.raw))
	b = append(b, o.raw[:o.open+1]...)
	for n, i := range shown {
		if n > 0 {
			b = append(b, ',')
		}
		b = append(b, o.raw[o.spans[i][0]:o.spans[i][1]]...)
	}
	return append(b, o.raw[o.close:]...), shown, true
}
