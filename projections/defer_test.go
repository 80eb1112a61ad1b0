package projections

import (
	"errors"
	"strconv"
	"testing"
)

// countRender renders the sum of the facts "n/*" into "total", counting
// its runs.
func countRender(runs *int) func(tx Tx) error {
	return func(tx Tx) error {
		*runs++
		sum := 0
		for i := range 3 {
			var n int
			if _, err := GetJSON(tx, "n/"+strconv.Itoa(i), &n); err != nil {
				return err
			}
			sum += n
		}
		return PutJSON(tx, "total", sum)
	}
}

// A render deferred by many events of a batch runs once, when the batch is
// encoded, and sees the batch's final facts.
func TestADeferredRenderRunsOncePerBatchWithTheFinalFacts(t *testing.T) {
	o := NewOverlay(func(string) ([]byte, error) { return nil, nil })
	runs := 0
	for i := range 3 {
		o.Begin()
		if err := PutJSON(o, "n/"+strconv.Itoa(i), i+1); err != nil {
			t.Fatal(err)
		}
		if err := Defer(o, "total", countRender(&runs)); err != nil {
			t.Fatal(err)
		}
		o.Commit()
	}
	if runs != 0 {
		t.Fatalf("rendered %d times before the batch ended", runs)
	}
	ch, err := o.Changes()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, c := range ch {
		got[c.Key] = string(c.Value)
	}
	if runs != 1 || got["total"] != "6" || len(got) != 4 {
		t.Fatalf("%d renders, changes %v", runs, got)
	}
	o.Written()
	if ch, _ := o.Changes(); len(ch) != 0 || runs != 1 {
		t.Fatalf("the render ran again in an empty batch: %d runs, %v", runs, ch)
	}
}

// Outside an overlay there is no batch: the render runs at once.
func TestDeferOnAPlainTxRendersAtOnce(t *testing.T) {
	tx := mapTx{}
	runs := 0
	tx.Put("n/1", []byte("5"))
	if err := Defer(tx, "total", countRender(&runs)); err != nil || runs != 1 || string(tx["total"]) != "5" {
		t.Fatalf("runs %d, total %s, %v", runs, tx["total"], err)
	}
}

// A failing render fails the batch, naming the document.
func TestAFailingRenderFailsTheBatch(t *testing.T) {
	o := NewOverlay(func(string) ([]byte, error) { return nil, nil })
	boom := errors.New("boom")
	if err := Defer(o, "doc/1", func(Tx) error { return boom }); err != nil {
		t.Fatal(err)
	}
	if _, err := o.Changes(); !errors.Is(err, boom) {
		t.Fatalf("Changes = %v, want the render's error", err)
	}
}

// mapTx is a Tx over a map, as a projection sees a store without batches.
type mapTx map[string][]byte

func (m mapTx) Get(k string) ([]byte, error) { return m[k], nil }
func (m mapTx) Put(k string, v []byte)       { m[k] = v }
func (m mapTx) Delete(k string)              { delete(m, k) }

// A document written again with the same bytes, or deleted where the store
// has nothing, is not sent to the store: a render that changed nothing
// costs no write.
func TestUnchangedDocumentsAreNotWrittenAgain(t *testing.T) {
	base := map[string][]byte{"kept": []byte(`{"name":"a","items":null}`)}
	o := NewOverlay(func(k string) ([]byte, error) { return base[k], nil })
	var r row
	if _, err := GetJSON(o, "kept", &r); err != nil {
		t.Fatal(err)
	}
	if err := PutJSON(o, "kept", r); err != nil {
		t.Fatal(err)
	}
	if _, err := o.Get("gone"); err != nil {
		t.Fatal(err)
	}
	o.Delete("gone")
	if err := PutJSON(o, "new", row{Name: "b"}); err != nil {
		t.Fatal(err)
	}
	ch, err := o.Changes()
	if err != nil || len(ch) != 1 || ch[0].Key != "new" {
		t.Fatalf("changes = %+v, %v; want only the new document", ch, err)
	}
	o.Written()
	r.Name = "c"
	if err := PutJSON(o, "kept", r); err != nil {
		t.Fatal(err)
	}
	if err := PutJSON(o, "new", row{Name: "b"}); err != nil {
		t.Fatal(err)
	}
	ch, err = o.Changes()
	if err != nil || len(ch) != 1 || ch[0].Key != "kept" || string(ch[0].Value) != `{"name":"c","items":null}` {
		t.Fatalf("changes = %+v, %v; want only the changed document", ch, err)
	}
}

// Held renders wait across batches: each batch writes only the facts, and
// RenderPending runs each render once, at most max at a time, with the
// facts as they stand then.
func TestHeldRendersRunOnceWhenAskedWithTheLatestFacts(t *testing.T) {
	o := NewOverlay(func(string) ([]byte, error) { return nil, nil })
	o.HoldRenders = true
	runs := 0
	for batch := range 3 {
		o.Begin()
		if err := PutJSON(o, "n/"+strconv.Itoa(batch), batch+1); err != nil {
			t.Fatal(err)
		}
		for _, key := range []string{"total", "total-2"} {
			if err := Defer(o, key, countRender(&runs)); err != nil {
				t.Fatal(err)
			}
		}
		o.Commit()
		ch, err := o.Changes()
		if err != nil {
			t.Fatal(err)
		}
		if len(ch) != 1 || ch[0].Key != "n/"+strconv.Itoa(batch) {
			t.Fatalf("batch %d wrote %v, want its fact alone", batch, ch)
		}
		o.Written()
	}
	if runs != 0 || o.Pending() != 2 {
		t.Fatalf("%d renders ran, %d pending; want none run, 2 pending", runs, o.Pending())
	}
	if err := o.RenderPending(1); err != nil {
		t.Fatal(err)
	}
	if runs != 1 || o.Pending() != 1 {
		t.Fatalf("after RenderPending(1): %d runs, %d pending", runs, o.Pending())
	}
	ch, err := o.Changes()
	if err != nil {
		t.Fatal(err)
	}
	if len(ch) != 1 || ch[0].Key != "total" || string(ch[0].Value) != "6" {
		t.Fatalf("the first lot wrote %v, want total=6", ch)
	}
	o.Written()
	if err := o.RenderPending(0); err != nil {
		t.Fatal(err)
	}
	if runs != 2 || o.Pending() != 0 {
		t.Fatalf("after RenderPending(0): %d runs, %d pending", runs, o.Pending())
	}
}

// marks is what a test's Gather collects: the ids the events named.
type marks struct{ ids []string }

// gatherIDs gathers id into "changed" and renders the ids a run saw into
// "changed" as one string, counting runs.
func gatherIDs(tx Tx, id string, runs *int) error {
	return Gather(tx, "changed", func(m *marks) { m.ids = append(m.ids, id) }, func(tx Tx, m *marks) error {
		*runs++
		return PutJSON(tx, "changed", m.ids)
	})
}

// What every event of a batch gathered reaches one render after the batch,
// and the next batch gathers afresh.
func TestAGatheredRenderRunsOncePerBatchWithWhatEveryEventAdded(t *testing.T) {
	o := NewOverlay(func(string) ([]byte, error) { return nil, nil })
	runs := 0
	batch := func(ids ...string) string {
		t.Helper()
		for _, id := range ids {
			o.Begin()
			if err := gatherIDs(o, id, &runs); err != nil {
				t.Fatal(err)
			}
			o.Commit()
		}
		ch, err := o.Changes()
		if err != nil {
			t.Fatal(err)
		}
		o.Written()
		if len(ch) != 1 || ch[0].Key != "changed" {
			t.Fatalf("batch %v wrote %v, want the gathered document alone", ids, ch)
		}
		return string(ch[0].Value)
	}
	if got := batch("a", "b", "c"); got != `["a","b","c"]` || runs != 1 {
		t.Fatalf("first batch rendered %s in %d runs, want [a b c] once", got, runs)
	}
	if got := batch("d"); got != `["d"]` || runs != 2 {
		t.Fatalf("second batch rendered %s (%d runs in all), want [d] alone", got, runs)
	}
}

// Held across batches (a rebuild), a gathered render collects every
// batch's events and runs once when the held renders run.
func TestAHeldGatheredRenderCollectsEveryBatch(t *testing.T) {
	o := NewOverlay(func(string) ([]byte, error) { return nil, nil })
	o.HoldRenders = true
	runs := 0
	for _, id := range []string{"a", "b", "c"} {
		o.Begin()
		if err := gatherIDs(o, id, &runs); err != nil {
			t.Fatal(err)
		}
		o.Commit()
		if _, err := o.Changes(); err != nil {
			t.Fatal(err)
		}
		o.Written()
	}
	if runs != 0 || o.Pending() != 1 {
		t.Fatalf("%d runs, %d pending before the held renders; want 0 and 1", runs, o.Pending())
	}
	if err := o.RenderPending(0); err != nil {
		t.Fatal(err)
	}
	ch, err := o.Changes()
	if err != nil || len(ch) != 1 || string(ch[0].Value) != `["a","b","c"]` || runs != 1 {
		t.Fatalf("held render wrote %v (%v) in %d runs, want [a b c] once", ch, err, runs)
	}
}

// A failed render drops what was gathered with it: the batch fails and
// the next one starts from nothing.
func TestAFailedGatheredRenderDropsWhatItGathered(t *testing.T) {
	o := NewOverlay(func(string) ([]byte, error) { return nil, nil })
	boom := errors.New("boom")
	fail := true
	gather := func(id string) {
		t.Helper()
		err := Gather(o, "changed", func(m *marks) { m.ids = append(m.ids, id) }, func(tx Tx, m *marks) error {
			if fail {
				return boom
			}
			return PutJSON(tx, "changed", m.ids)
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	gather("a")
	if _, err := o.Changes(); !errors.Is(err, boom) {
		t.Fatalf("Changes = %v, want the render's error", err)
	}
	fail = false
	gather("b")
	ch, err := o.Changes()
	if err != nil || len(ch) != 1 || string(ch[0].Value) != `["b"]` {
		t.Fatalf("after the failed batch: %v, %v; want [b] alone", ch, err)
	}
}

// Outside an overlay a gathered render runs at once with the one event's
// additions; a key gathered as two types is an error, not a lost render.
func TestGatherOnAPlainTxRendersAtOnceAndKeysKeepTheirType(t *testing.T) {
	tx := mapTx{}
	runs := 0
	if err := gatherIDs(tx, "a", &runs); err != nil || runs != 1 || string(tx["changed"]) != `["a"]` {
		t.Fatalf("runs %d, changed %s, %v", runs, tx["changed"], err)
	}
	o := NewOverlay(func(string) ([]byte, error) { return nil, nil })
	if err := gatherIDs(o, "a", &runs); err != nil {
		t.Fatal(err)
	}
	err := Gather(o, "changed", func(n *int) { *n++ }, func(Tx, *int) error { return nil })
	if err == nil {
		t.Fatal("a key gathered as another type was accepted")
	}
}

func TestRenderKeyNamesFamilyAndTenant(t *testing.T) {
	a, b := RenderKey("home", "t1"), RenderKey("home", "t2")
	if a != "renders/home/t1" || b != "renders/home/t2" || RenderKey("home", "t1") != a || RenderKey("staff", "t1") == a {
		t.Fatalf("render keys %q %q", a, b)
	}
}
