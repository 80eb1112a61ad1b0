package kurrent

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"time"

	"github.com/EventStore/EventStore-Client-Go/v4/esdb"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/iup-platform/iup/eventstore"
)

// retryPolicy is exponential backoff with jitter for transient failures.
type retryPolicy struct {
	attempts  int
	base, max time.Duration
}

var defaultRetry = retryPolicy{attempts: 8, base: 25 * time.Millisecond, max: 2 * time.Second}

func (p retryPolicy) delay(attempt int) time.Duration {
	d := p.base << min(attempt, 16)
	if d > p.max || d <= 0 {
		d = p.max
	}
	return d/2 + rand.N(d/2+1) // jitter, so retrying clients do not move in step
}

// sleep waits, or returns the context's error.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// code is the client's error code of err, or -1.
func code(err error) esdb.ErrorCode {
	var e *esdb.Error
	if errors.As(err, &e) {
		return e.Code()
	}
	return -1
}

// transient reports failures that may pass: the node is not the leader (the
// client has already switched to the leader it was told of), unavailable,
// too slow (deadline), aborted (the server's own timeouts), or the client
// gave up its connection. Raw gRPC statuses come from subscriptions, which
// the client hands over without classifying.
func transient(err error) bool {
	switch code(err) {
	case esdb.ErrorCodeNotLeader, esdb.ErrorUnavailable, esdb.ErrorCodeDeadlineExceeded, esdb.ErrorAborted,
		esdb.ErrorCodeConnectionClosed:
		return true
	case -1:
		switch status.Code(err) {
		case codes.Unavailable, codes.DeadlineExceeded, codes.Aborted, codes.ResourceExhausted, codes.Canceled:
			return true
		}
	}
	return false
}

func isEOF(err error) bool { return errors.Is(err, io.EOF) }

// do runs fn, trying again after transient failures with backoff. It is used
// only where repeating fn is safe: reads, and appends that carry an exact
// expectation (no stream or a revision) and the same event ids, which the
// server deduplicates (see kurrenttest/append.go for its rule). When the
// attempts run out the failure is eventstore.ErrUnavailable.
func (s *Store) do(ctx context.Context, op string, fn func(*esdb.Client) error) error {
	for attempt := 0; ; attempt++ {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("kurrent event store: %s: %w", op, err)
		}
		c, err := s.conn()
		if err != nil {
			return err
		}
		err = fn(c)
		switch {
		case err == nil:
			return nil
		case ctx.Err() != nil:
			return fmt.Errorf("kurrent event store: %s: %w", op, ctx.Err())
		case !transient(err):
			return mapErr(op, err)
		}
		if staleConnection(err, attempt) {
			s.renew(c)
		}
		if attempt+1 >= s.retry.attempts {
			return fmt.Errorf("kurrent event store: %s: %w after %d attempts: %w", op, eventstore.ErrUnavailable, attempt+1, err)
		}
		s.log.Warn("kurrent event store: retrying after a transient failure", "op", op, "attempt", attempt+1, "err", err)
		if err := sleep(ctx, s.retry.delay(attempt)); err != nil {
			return fmt.Errorf("kurrent event store: %s: %w", op, err)
		}
	}
}

// mapErr gives the port's meaning to the failures that are not retried.
func mapErr(op string, err error) error {
	switch code(err) {
	case esdb.ErrorCodeUnauthenticated, esdb.ErrorCodeAccessDenied:
		return fmt.Errorf("kurrent event store: %s: %w: %w", op, eventstore.ErrUnavailable, err)
	}
	if status.Code(err) == codes.InvalidArgument {
		// e.g. "Maximum Append Size of 1048576 Exceeded": the append itself is at fault.
		return fmt.Errorf("kurrent event store: %s: %w: %w", op, eventstore.ErrInvalid, err)
	}
	return fmt.Errorf("kurrent event store: %s: %w", op, err)
}

// staleConnection reports when to replace the client: it closed itself
// (discovery failed), or the node stayed unreachable twice in a row. The
// client rediscovers after a failed append but not after a read that failed
// to start, and gRPC's own redial backoff grows to two minutes; a fresh
// client dials at once.
func staleConnection(err error, attempt int) bool {
	c := code(err)
	return c == esdb.ErrorCodeConnectionClosed ||
		(attempt >= 1 && (c == esdb.ErrorUnavailable || (c == -1 && status.Code(err) == codes.Unavailable)))
}
