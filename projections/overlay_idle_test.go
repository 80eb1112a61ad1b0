package projections

import (
	"strconv"
	"testing"
)

// An append-only view (an audit trail fills a page, then starts the next)
// touches each document for a while and never again. The overlay keeps
// its working set, not its history: documents unused for MaxIdle batches
// leave the cache, a document used in every batch stays, and a dropped one
// reads back from the store as it was written.
func TestTheOverlayForgetsDocumentsNoBatchUses(t *testing.T) {
	store := map[string][]byte{}
	reads := map[string]int{}
	o := NewOverlay(func(k string) ([]byte, error) { reads[k]++; return store[k], nil })
	const batches = 1000
	for i := range batches {
		hotAndNew(t, o, store, "head", "page/"+strconv.Itoa(i), i+1)
	}
	if got, most := len(o.entries), 2*o.MaxIdle+1; got > most {
		t.Fatalf("%d documents cached after %d batches of one new page each: want at most %d", got, batches, most)
	}
	if reads["head"] != 1 {
		t.Fatalf("the document used in every batch was read from the store %d times, want once", reads["head"])
	}
	var first int
	if ok, err := GetJSON(o, "page/0", &first); err != nil || !ok || first != 1 || reads["page/0"] != 1 {
		t.Fatalf("a dropped page reads back as %d (found %v, %v) after %d store reads", first, ok, err, reads["page/0"])
	}
}

// Past MaxClean documents the overlay keeps the most recently used ones,
// not none: a view with more documents than that (a municipality's) must
// not read its whole working set from the store after every batch.
func TestTheOverlayKeepsItsWorkingSetPastMaxClean(t *testing.T) {
	store := map[string][]byte{}
	reads := map[string]int{}
	o := NewOverlay(func(k string) ([]byte, error) { reads[k]++; return store[k], nil })
	o.MaxClean, o.MaxIdle = 100, 0
	for i := range 1000 {
		hotAndNew(t, o, store, "hot", "cold/"+strconv.Itoa(i), i)
		if len(o.entries) > o.MaxClean {
			t.Fatalf("batch %d: %d documents cached, MaxClean is %d", i, len(o.entries), o.MaxClean)
		}
	}
	if reads["hot"] != 1 {
		t.Fatalf("the document used in every batch was read from the store %d times, want once", reads["hot"])
	}
	var last int
	if ok, err := GetJSON(o, "cold/999", &last); err != nil || !ok || last != 999 || reads["cold/999"] != 0 {
		t.Fatalf("the newest document: %d (%v, %v), %d store reads, want it cached", last, ok, err, reads["cold/999"])
	}
	var first int
	if ok, err := GetJSON(o, "cold/0", &first); err != nil || !ok || first != 0 || reads["cold/0"] != 1 {
		t.Fatalf("an evicted document reads back as %d (%v, %v) after %d store reads", first, ok, err, reads["cold/0"])
	}
}

// hotAndNew runs one batch of one event that counts up the document at hot
// (used in every batch) and writes value at a new key, then commits the
// batch to store.
func hotAndNew(t *testing.T, o *Overlay, store map[string][]byte, hot, key string, value int) {
	t.Helper()
	o.Begin()
	var n int
	if _, err := GetJSON(o, hot, &n); err != nil {
		t.Fatal(err)
	}
	if err := PutJSON(o, hot, n+1); err != nil {
		t.Fatal(err)
	}
	if err := PutJSON(o, key, value); err != nil {
		t.Fatal(err)
	}
	o.Commit()
	ch, err := o.Changes()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range ch {
		store[c.Key] = c.Value
	}
	o.Written()
}

// With DropWritten the documents a batch wrote are let go once written,
// and read back from the store if asked for again; the others stay.
func TestTheOverlayLetsWrittenDocumentsGoWhenAsked(t *testing.T) {
	store := map[string][]byte{"facts": []byte(`1`)}
	reads := map[string]int{}
	o := NewOverlay(func(k string) ([]byte, error) { reads[k]++; return store[k], nil })
	o.DropWritten = true
	var n int
	if _, err := GetJSON(o, "facts", &n); err != nil {
		t.Fatal(err)
	}
	if err := PutJSON(o, "overview", n+1); err != nil {
		t.Fatal(err)
	}
	ch, err := o.Changes()
	if err != nil || len(ch) != 1 || ch[0].Key != "overview" {
		t.Fatalf("changes %v, %v", ch, err)
	}
	store["overview"] = ch[0].Value
	o.Written()
	if _, kept := o.entries["overview"]; kept {
		t.Fatal("the written document is still held")
	}
	if _, kept := o.entries["facts"]; !kept {
		t.Fatal("the document read, not written, was let go")
	}
	var got int
	if ok, err := GetJSON(o, "overview", &got); err != nil || !ok || got != 2 || reads["overview"] != 1 {
		t.Fatalf("the overview read back as %d (%v, %v) after %d store reads", got, ok, err, reads["overview"])
	}
}

// Eviction keeps exactly the documents used most recently: with ten
// documents used in each of 100 batches, keeping 255 keeps the 25 newest
// batches' and five of the 26th's, and drops every older one.
func TestEvictionKeepsTheMostRecentlyUsed(t *testing.T) {
	o := NewOverlay(func(string) ([]byte, error) { return nil, nil })
	for b := range 100 {
		for i := range 10 {
			o.entries[strconv.Itoa(b)+"/"+strconv.Itoa(i)] = &doc{raw: []byte("1"), used: uint64(b)}
		}
	}
	o.evict(255)
	if len(o.entries) != 255 {
		t.Fatalf("%d documents kept, want 255", len(o.entries))
	}
	perBatch := map[uint64]int{}
	for _, d := range o.entries {
		perBatch[d.used]++
	}
	for b := uint64(75); b < 100; b++ {
		if perBatch[b] != 10 {
			t.Fatalf("batch %d: %d of its 10 documents kept, want all", b, perBatch[b])
		}
	}
	if perBatch[74] != 5 || len(perBatch) != 26 {
		t.Fatalf("kept %d of batch 74 (want 5) from %d batches (want 26)", perBatch[74], len(perBatch))
	}
}

// One eviction of a full cache, as a municipality's rebuild runs it: 100,000
// documents from 128 batches, down to three quarters. Most of its time is
// the passes over the map and the deletions, not the sort of the ages: a
// version that counted documents per batch instead of sorting measured the
// same (BENCHMARKS.md).
func BenchmarkOverlayEvict(b *testing.B) {
	o := NewOverlay(func(string) ([]byte, error) { return nil, nil })
	keys := make([]string, 100_000)
	for i := range keys {
		keys[i] = "doc/" + strconv.Itoa(i)
	}
	for b.Loop() {
		b.StopTimer()
		for i, k := range keys {
			o.entries[k] = &doc{used: uint64(i % 128)}
		}
		b.StartTimer()
		o.evict(75_000)
	}
}
