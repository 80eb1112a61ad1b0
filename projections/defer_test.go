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
