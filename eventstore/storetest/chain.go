package storetest

import (
	"testing"

	"github.com/iup-platform/iup/eventstore"
)

// testHashChain checks the tamper evidence every backend must store: each
// event's content hash recomputes from what was read back, each links to
// the previous event of its stream, and events a client sent with forged
// hashes are stored with the store's own.
func (h *harness) testHashChain(t *testing.T) {
	s := h.store(t)
	a, b := streamName("chain"), streamName("chain")
	forged := event(`{"n":1}`)
	forged.Metadata.ContentHash, forged.Metadata.PrevHash = "forged", "forged"
	mustAppend(t, s, a, eventstore.NoStream(), forged, event(`{"n":2}`))
	mustAppend(t, s, b, eventstore.NoStream(), event(`{"n":"Åsa"}`))
	mustAppend(t, s, a, eventstore.Exact(1), event(`{"n":3}`))

	for _, stream := range []string{a, b} {
		prev := ""
		for _, e := range mustRead(t, s, stream, eventstore.ReadStreamOptions{}) {
			if got, want := e.Metadata.ContentHash, eventstore.ContentHash(e.Stream, e.Revision, e.EventData); got != want {
				t.Errorf("%s revision %d: content hash %q, want %q", stream, e.Revision, got, want)
			}
			if e.Metadata.PrevHash != prev {
				t.Errorf("%s revision %d: links to %q, want %q", stream, e.Revision, e.Metadata.PrevHash, prev)
			}
			prev = e.Metadata.ContentHash
		}
	}
}
