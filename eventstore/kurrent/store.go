// Package kurrent is the event store on KurrentDB (EventStoreDB), through
// its official Go client (github.com/EventStore/EventStore-Client-Go/v4).
//
// How the port maps onto KurrentDB:
//
//   - streams are KurrentDB streams; the global position is the commit
//     position of $all (a byte offset: sparse, never +1), with the prepare
//     position beside it;
//   - every append goes to the server with no-stream or an exact revision,
//     never "any": an Any or StreamExists append reads the stream's last
//     event, chains its hash on it and appends at exactly that revision,
//     retrying when another writer got there first. That keeps the
//     tamper-evident chain intact under concurrent writers, and makes every
//     append one the server deduplicates by event id, so the adapter can
//     resend it after a lost answer;
//   - type, schema version, tenant, actor, correlation and the hashes travel
//     in the event's user metadata (JSON); data is stored byte for byte;
//   - system streams and events ($-prefixed) are never returned: a
//     server-side filter on subscriptions, a check on reads.
package kurrent

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/EventStore/EventStore-Client-Go/v4/esdb"

	"github.com/iup-platform/iup/eventstore"
)

// Store is the KurrentDB event store. It implements eventstore.Store.
type Store struct {
	clock eventstore.Clock
	log   *slog.Logger
	retry retryPolicy
	cfg   *esdb.Configuration

	mu     sync.Mutex
	client *esdb.Client
	closed bool
}

var _ eventstore.Store = (*Store)(nil)

// Option configures Open.
type Option func(*Store)

// WithClock sets the clock that stamps RecordedAt. The adapter stamps events
// itself (not the server's "created" time) because the time is part of the
// content hash, which is computed before the append.
func WithClock(c eventstore.Clock) Option { return func(s *Store) { s.clock = c } }

// WithLogger sets the logger (default slog.Default()).
func WithLogger(l *slog.Logger) Option { return func(s *Store) { s.log = l } }

// WithRetry sets how often, and how patiently, calls that failed on a
// transient error (not leader, unavailable, deadline) are tried again.
func WithRetry(attempts int, base, maxDelay time.Duration) Option {
	return func(s *Store) {
		if attempts > 0 {
			s.retry = retryPolicy{attempts: attempts, base: base, max: maxDelay}
		}
	}
}

// Open connects lazily to the KurrentDB node or cluster named by url, in the
// client's own connection-string format, TLS and credentials included: e.g.
// "esdb://localhost:2113?tls=false" or
// "esdb+discover://admin:changeit@cluster.example:2113".
//
// The newer kurrentdb:// and kurrentdb+discover:// schemes are accepted too;
// the v4.2.0 client knows them by their old names.
func Open(connection string, opts ...Option) (*Store, error) {
	if rest, ok := strings.CutPrefix(connection, "kurrentdb"); ok {
		connection = "esdb" + rest
	}
	cfg, err := esdb.ParseConnectionString(connection)
	if err != nil {
		// A URL parse error quotes the string, credentials and all.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, fmt.Errorf("kurrent event store: connection string: %w", err)
	}
	s := &Store{clock: time.Now, log: slog.Default(), retry: defaultRetry, cfg: cfg}
	for _, o := range opts {
		o(s)
	}
	// The client logs every failure at error level, also the ones this
	// adapter retries; its lines go to debug and the adapter logs what matters.
	log := s.log
	cfg.Logger = func(level esdb.LogLevel, format string, args ...any) {
		log.Debug("kurrentdb client", "level", level, "msg", fmt.Sprintf(format, args...))
	}
	client, err := esdb.NewClient(cfg)
	if err != nil {
		return nil, fmt.Errorf("kurrent event store: %w", err)
	}
	s.client = client
	return s, nil
}

// conn returns the current client.
func (s *Store) conn() (*esdb.Client, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, errClosed
	}
	return s.client, nil
}

// renew replaces a client that gave up: the Go client closes itself for good
// when discovery fails (its connection state machine exits), so after an
// outage longer than its discovery attempts only a new client can reconnect.
func (s *Store) renew(old *esdb.Client) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed || s.client != old {
		return
	}
	fresh, err := esdb.NewClient(s.cfg)
	if err != nil {
		s.log.Warn("kurrent event store: cannot renew the client", "err", err)
		return
	}
	_ = old.Close()
	s.client = fresh
	s.log.Info("kurrent event store: client renewed after the connection was closed")
}

// Close closes the client; subscriptions end with ErrUnavailable.
func (s *Store) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	return s.client.Close()
}

var errClosed = fmt.Errorf("kurrent event store: %w: closed", eventstore.ErrUnavailable)

// headScan bounds how far back HeadPosition looks for a non-system event.
const headScan = 1024

// HeadPosition is the position of the last event that is not a system event
// (a subscription never delivers those, so a head among them could never be
// reached), or Start. Should the last headScan events all be system events,
// the newest of them is returned: every later event still comes after it.
func (s *Store) HeadPosition(ctx context.Context) (eventstore.Position, error) {
	var head eventstore.Position
	err := s.do(ctx, "head position", func(c *esdb.Client) error {
		head = eventstore.Start
		rs, err := c.ReadAll(ctx, esdb.ReadAllOptions{Direction: esdb.Backwards, From: esdb.End{}}, headScan)
		if err != nil {
			return err
		}
		seen := 0
		return eachEvent(rs, func(rec *esdb.RecordedEvent) error {
			if seen++; seen == 1 {
				head = toPosition(rec.Position)
			}
			if !isSystem(rec) {
				head = toPosition(rec.Position)
				return errStop
			}
			return nil
		})
	})
	return head, err
}

// Ping checks that the store answers.
func (s *Store) Ping(ctx context.Context) error {
	_, err := s.HeadPosition(ctx)
	return err
}

func toPosition(p esdb.Position) eventstore.Position {
	return eventstore.Position{Commit: p.Commit, Prepare: p.Prepare}
}

func fromPosition(p eventstore.Position) esdb.Position {
	return esdb.Position{Commit: p.Commit, Prepare: p.Prepare}
}

// isSystem reports KurrentDB's own events: system streams ($stats-...,
// $$metadata streams, $scavenges) and system event types (the
// $streamDeleted tombstone lands in the deleted stream itself).
func isSystem(ev *esdb.RecordedEvent) bool {
	return (ev.StreamID != "" && ev.StreamID[0] == '$') || (ev.EventType != "" && ev.EventType[0] == '$')
}

// unlimited is the count the client sends for "read everything".
const unlimited = math.MaxInt64

var errStop = errors.New("stop")
