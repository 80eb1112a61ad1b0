package sqlite

import (
	"errors"
	"fmt"
	"os"
	"syscall"

	"github.com/iup-platform/iup/eventstore"
)

// lockWriter takes the exclusive lock of the sole writer of the store at
// path, on a file beside it. The kernel drops it when the process ends,
// also by SIGKILL, so a crash never leaves the store locked.
func lockWriter(path string) (*os.File, error) {
	return lockBeside(path, syscall.LOCK_EX, "another process writes to %s (is the service already running on this data folder?)")
}

// lockShared takes the lock of one of several writers, on the first append
// of a Store opened without WithSoleWriter: it fails while a sole writer
// holds the store, whose cache would not see these appends, and holding it
// keeps a sole writer from starting.
func lockShared(path string) (*os.File, error) {
	return lockBeside(path, syscall.LOCK_SH, "%s has a sole writer (the service); append through it")
}

// lockBeside takes the flock how (exclusive or shared) on path's lock
// file, without waiting; busy words the refusal, with path for its %s.
func lockBeside(path string, how int, busy string) (*os.File, error) {
	f, err := os.OpenFile(path+".writer-lock", os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("sqlite event store: %w: writer lock: %w", eventstore.ErrUnavailable, err)
	}
	if err := syscall.Flock(int(f.Fd()), how|syscall.LOCK_NB); err != nil {
		_ = f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("sqlite event store: %w: "+busy, eventstore.ErrUnavailable, path)
		}
		return nil, fmt.Errorf("sqlite event store: %w: writer lock: %w", eventstore.ErrUnavailable, err)
	}
	return f, nil
}

// unlockWriter releases a lock lockWriter or lockShared took (nil: none).
func unlockWriter(f *os.File) {
	if f != nil {
		_ = f.Close() // closing the descriptor releases the flock
	}
}
