package runtime

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/iup-platform/iup/eventstore"
)

// blockedWriter is a write that blocks each batch until released, and
// tells when it starts and ends one.
type blockedWriter struct {
	started, release chan int
	mu               sync.Mutex
	log              []string
}

func newBlockedWriter() *blockedWriter {
	return &blockedWriter{started: make(chan int, 8), release: make(chan int)}
}

func (b *blockedWriter) write(_ context.Context, pw pendingWrite) error {
	n := int(pw.to.Commit)
	b.started <- n
	<-b.release
	b.note("written", n)
	return nil
}

func (b *blockedWriter) note(what string, n int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.log = append(b.log, what+" "+string(rune('0'+n)))
}

func batch(n int) pendingWrite { return pendingWrite{to: eventstore.Position{Commit: uint64(n)}} }

// A batch is handed over only once the one before it is written: a lot of
// held renders is up to a gigabyte, so at most one is held besides the one
// rendering.
func TestABatchIsHandedOverOnlyWhenTheOneBeforeIsWritten(t *testing.T) {
	b := newBlockedWriter()
	w := newWriteBehind(context.Background(), b.write)
	if err := w.enqueue(context.Background(), batch(1)); err != nil {
		t.Fatal(err)
	}
	<-b.started
	handed := make(chan struct{})
	go func() {
		if err := w.enqueue(context.Background(), batch(2)); err != nil {
			t.Error(err)
		}
		b.note("handed", 2)
		close(handed)
	}()
	time.Sleep(20 * time.Millisecond) // room for a wrong enqueue to return early
	b.release <- 1
	<-handed
	<-b.started
	b.release <- 2
	if err := w.stop(); err != nil {
		t.Fatal(err)
	}
	if b.log[0] != "written 1" || b.log[1] != "handed 2" {
		t.Fatalf("order %v: the second lot was handed over before the first was written", b.log)
	}
}
