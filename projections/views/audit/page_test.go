package audit

import (
	"encoding/json"
	"errors"
	"fmt"
	"testing"

	"github.com/iup-platform/iup/domain"
	"github.com/iup-platform/iup/domain/assessment"
	"github.com/iup-platform/iup/projections/projectiontest"
)

// levels returns n level changes of s1, one event each.
func levels(l *projectiontest.Log, n int) *projectiontest.Log {
	for i := range n {
		l.Add(entryStream, day("2026-11-10"), teacher, assessment.EntryLevelSet{RoundID: "r1", StudentID: "s1", Level: fmt.Sprint(i)})
	}
	return l
}

// readDocs serves docs to Page, counting its calls in calls when set.
func readDocs(docs map[string][]byte, calls ...*int) func(...string) ([][]byte, error) {
	return func(keys ...string) ([][]byte, error) {
		if len(calls) > 0 {
			*calls[0]++
		}
		out := make([][]byte, len(keys))
		for i, k := range keys {
			out[i] = docs[k]
		}
		return out, nil
	}
}

// get decodes the stored document at key into v.
func get(docs map[string][]byte, key string, v any) {
	if err := decodeDoc(key, docs[key], v); err != nil {
		panic(err)
	}
}

// walk reads a whole trail page by page and returns the levels in order.
func walk(t *testing.T, read func(...string) ([][]byte, error), limit int) (levels []string, pages int) {
	t.Helper()
	cursor := ""
	for {
		got, next, err := Page(read, tenant, KindStudent, "s1", cursor, limit)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range got {
			levels = append(levels, e.After.Level)
		}
		pages++
		if next == "" {
			return levels, pages
		}
		cursor = next
	}
}

func TestPaging(t *testing.T) {
	docs := map[string][]byte{}
	build(t, docs, levels(projectiontest.NewLog(), 120).Events())

	t.Run("entries are stored in fixed pages of 10 with a head count", func(t *testing.T) {
		var h Head
		var p0, p11 PageDoc
		get(docs, StudentKey(tenant, "s1"), &h)
		get(docs, PageKey(tenant, KindStudent, "s1", 0), &p0)
		get(docs, PageKey(tenant, KindStudent, "s1", 11), &p11)
		if h.Count != 120 || len(h.Tail) != 0 || len(p0.Entries) != 10 || len(p11.Entries) != 10 || p11.Entries[9].After.Level != "119" {
			t.Fatalf("head %d (tail %d), page 0 has %d, page 11 has %d", h.Count, len(h.Tail), len(p0.Entries), len(p11.Entries))
		}
		if docs[PageKey(tenant, KindStudent, "s1", 12)] != nil {
			t.Fatal("a page beyond the count exists")
		}
	})
	for _, limit := range []int{1, 7, 30, 50, 51, 120, 200} {
		t.Run(fmt.Sprintf("limit %d walks every entry once, newest first, across page boundaries", limit), func(t *testing.T) {
			calls := 0
			got, pages := walk(t, readDocs(docs, &calls), limit)
			if calls != 2*pages {
				t.Fatalf("%d reads for %d pages: a page of entries is the head and its stored pages in one read each", calls, pages)
			}
			if len(got) != 120 {
				t.Fatalf("walked %d entries", len(got))
			}
			for i, l := range got {
				if l != fmt.Sprint(119-i) {
					t.Fatalf("entry %d is level %s, want %d", i, l, 119-i)
				}
			}
			if want := (120 + limit - 1) / limit; pages != want {
				t.Fatalf("%d pages, want %d", pages, want)
			}
		})
	}
	t.Run("the newest entries are in the head, and a read of them reads the head alone", func(t *testing.T) {
		d := map[string][]byte{}
		build(t, d, levels(projectiontest.NewLog(), 125).Events())
		var h Head
		get(d, StudentKey(tenant, "s1"), &h)
		if h.Count != 125 || len(h.Tail) != 5 || h.Tail[0].After.Level != "120" || h.Tail[4].After.Level != "124" {
			t.Fatalf("head %d with a tail of %d: %+v", h.Count, len(h.Tail), h.Tail)
		}
		if d[PageKey(tenant, KindStudent, "s1", 12)] != nil {
			t.Fatal("the tail is stored as a page too")
		}
		calls := 0
		got, next, err := Page(readDocs(d, &calls), tenant, KindStudent, "s1", "", 5)
		if err != nil || calls != 1 || len(got) != 5 || got[0].After.Level != "124" || got[4].After.Level != "120" {
			t.Fatalf("%v, %d reads: %+v", err, calls, got)
		}
		got, _, err = Page(readDocs(d, &calls), tenant, KindStudent, "s1", next, 7)
		if err != nil || calls != 3 || len(got) != 7 || got[0].After.Level != "119" || got[6].After.Level != "113" {
			t.Fatalf("%v, %d reads: %+v", err, calls, got)
		}
		for _, limit := range []int{3, 7, 50} {
			levels, _ := walk(t, readDocs(d), limit)
			if len(levels) != 125 || levels[0] != "124" || levels[4] != "120" || levels[5] != "119" || levels[124] != "0" {
				t.Fatalf("limit %d walked %d entries: %v", limit, len(levels), levels)
			}
		}
		t.Run("a head of version 2 is read while version 3 is built", func(t *testing.T) {
			// Version 2 stored the newest entries on a page of their own,
			// with a head of the count alone.
			old := clone(d)
			tail, err := json.Marshal(PageDoc{Entries: h.Tail})
			if err != nil {
				t.Fatal(err)
			}
			old[PageKey(tenant, KindStudent, "s1", 12)] = tail
			old[StudentKey(tenant, "s1")] = []byte(`{"count":125}`)
			for _, limit := range []int{3, 7, 50} {
				levels, _ := walk(t, readDocs(old), limit)
				if len(levels) != 125 || levels[0] != "124" || levels[4] != "120" || levels[5] != "119" || levels[124] != "0" {
					t.Fatalf("limit %d walked %d entries: %v", limit, len(levels), levels)
				}
			}
			delete(old, PageKey(tenant, KindStudent, "s1", 12))
			if _, _, err := Page(readDocs(old), tenant, KindStudent, "s1", "", 1); err == nil {
				t.Fatal("a head of version 2 without its last page must fail")
			}
		})
		d[StudentKey(tenant, "s1")] = []byte(`{"count":125,"tail":[{"position":"1/1"}]}`)
		if _, _, err := Page(readDocs(d), tenant, KindStudent, "s1", "", 1); err == nil {
			t.Fatal("a head whose tail is short of its count must fail")
		}
	})
	t.Run("a page read before new entries arrive continues where it was", func(t *testing.T) {
		d := clone(docs)
		first, next, err := Page(readDocs(d), tenant, KindStudent, "s1", "", 30)
		if err != nil || first[0].After.Level != "119" {
			t.Fatal(err, first[0])
		}
		l := projectiontest.NewLog()
		levels(l, 121) // the same stream, so revisions go on from 120
		build(t, d, l.Events()[120:])
		second, _, err := Page(readDocs(d), tenant, KindStudent, "s1", next, 30)
		if err != nil || second[0].After.Level != "89" || second[29].After.Level != "60" {
			t.Fatalf("second page after an append: %v %+v", err, second)
		}
		newest, _, _ := Page(readDocs(d), tenant, KindStudent, "s1", "", 1)
		if newest[0].After.Level != "120" {
			t.Fatalf("the newest entry is %+v", newest[0])
		}
	})
	t.Run("no limit reads 50, and at most 200 are read", func(t *testing.T) {
		got, _, _ := Page(readDocs(docs), tenant, KindStudent, "s1", "", 0)
		if len(got) != DefaultLimit {
			t.Fatalf("%d entries", len(got))
		}
		big := map[string][]byte{}
		build(t, big, levels(projectiontest.NewLog(), 230).Events())
		got, next, _ := Page(readDocs(big), tenant, KindStudent, "s1", "", 1000)
		if len(got) != MaxLimit || next == "" {
			t.Fatalf("%d entries, next %q", len(got), next)
		}
	})
	t.Run("an unknown trail is empty", func(t *testing.T) {
		got, next, err := Page(readDocs(docs), tenant, KindActor, "nobody", "", 10)
		if err != nil || len(got) != 0 || next != "" {
			t.Fatalf("%v %v %q", err, got, next)
		}
	})
	t.Run("bad cursors and kinds are invalid requests", func(t *testing.T) {
		for _, c := range []string{"x!", encodeCursor(121), "YjE", "YS0x"} {
			if _, _, err := Page(readDocs(docs), tenant, KindStudent, "s1", c, 10); !domain.IsCode(err, domain.CodeInvalid) {
				t.Errorf("cursor %q: %v", c, err)
			}
		}
		if _, _, err := Page(readDocs(docs), tenant, "school", "s1", "", 10); !domain.IsCode(err, domain.CodeInvalid) {
			t.Errorf("kind school: %v", err)
		}
	})
	t.Run("read failures and broken documents are reported", func(t *testing.T) {
		boom := errors.New("store down")
		if _, _, err := Page(func(...string) ([][]byte, error) { return nil, boom }, tenant, KindStudent, "s1", "", 10); !errors.Is(err, boom) {
			t.Errorf("read failure: %v", err)
		}
		bad := clone(docs)
		bad[PageKey(tenant, KindStudent, "s1", 11)] = []byte(`{"entries":[]}`)
		if _, _, err := Page(readDocs(bad), tenant, KindStudent, "s1", "", 10); err == nil {
			t.Error("a page shorter than the head count must fail")
		}
		bad[StudentKey(tenant, "s1")] = []byte(`{`)
		if _, _, err := Page(readDocs(bad), tenant, KindStudent, "s1", "", 10); err == nil {
			t.Error("a broken head must fail")
		}
	})
}
