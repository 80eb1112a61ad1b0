package eventstore

import (
	"strings"
	"testing"
	"time"

	"github.com/iup-platform/iup/domain"
)

type planLike struct {
	Title string
	Texts map[string]string
	Goals []string
	Note  *string
}

func TestApproxSizeCountsWhatAStateReaches(t *testing.T) {
	note := strings.Repeat("n", 300)
	s := planLike{Title: strings.Repeat("t", 100), Texts: map[string]string{"a": strings.Repeat("x", 1000), "b": strings.Repeat("y", 2000)},
		Goals: []string{strings.Repeat("g", 500)}, Note: &note}
	got := approxSize(s)
	if reached := 100 + 1000 + 2000 + 500 + 300; got < reached || got > reached+1024 {
		t.Fatalf("approxSize = %d, want the %d bytes of text and some hundreds more", got, reached)
	}
	if approxSize(nil) != 0 || approxSize(3) != 8 {
		t.Fatalf("approxSize(nil) = %d, approxSize(3) = %d", approxSize(nil), approxSize(3))
	}
}

func TestKeptStatesStayWithinTheirBudget(t *testing.T) {
	const budget = 64 << 10
	k := newKeptStates(budget, nil, time.Now)
	text := strings.Repeat("x", 1000)
	for i := range 200 {
		k.put("plan", "plan-"+string(rune('A'+i%26))+strings.Repeat("-", i/26), planLike{Title: text}, domain.Loaded{Version: 3})
		if _, b := k.size(); b > budget {
			t.Fatalf("after %d states the kept states hold %d bytes, over %d", i+1, b, budget)
		}
	}
	n, b := k.size()
	if n < 40 || b < budget*3/4 {
		t.Fatalf("%d states, %d bytes: the budget is not used", n, b)
	}
	// The least recently used went first: the last one is still there.
	if _, at, ok := k.get("plan", "plan-"+string(rune('A'+199%26))+strings.Repeat("-", 199/26)); !ok || at.Version != 3 {
		t.Fatal("the newest state was dropped")
	}
	// Replacing a state counts its size once.
	for range 10 {
		k.put("plan", "plan-A", planLike{Title: text}, domain.Loaded{Version: 4})
	}
	if n2, b2 := k.size(); n2 > n+1 || b2 > budget {
		t.Fatalf("replacing one state: %d states, %d bytes (was %d, %d)", n2, b2, n, b)
	}
	// A state too big for a sixteenth of the budget is not kept.
	k.put("plan", "huge", planLike{Title: strings.Repeat("h", budget/8)}, domain.Loaded{Version: 1})
	if _, _, ok := k.get("plan", "huge"); ok {
		t.Fatal("a state of an eighth of the budget was kept")
	}
}
