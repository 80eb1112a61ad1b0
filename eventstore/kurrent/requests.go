package kurrent

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strings"

	"github.com/EventStore/EventStore-Client-Go/v4/esdb"
	"github.com/google/uuid"

	"github.com/iup-platform/iup/eventstore"
)

// The request index: how a keyed request's events are found again after a
// restart (the API's Idempotency-Key, handlers/idempotency.go). SQLite
// indexes them in the same transaction as the append; KurrentDB has no
// transaction over two streams, so the adapter writes an intent first and
// the events second:
//
//  1. an intent record in the request's index stream names the target
//     stream and the revision its events would get;
//  2. the events are appended as usual, each carrying the request id.
//
// A crash between the two leaves an intent with no events, which reads as
// "the append never happened": the retry runs the command again, writes a
// second intent and appends. A crash after both is found through the
// intent. Nothing is ever found without its intent.
//
// Only request ids of the idempotency form ("idem:<key hash>.<fingerprint>")
// are indexed, as in the SQLite store: every request carries an id, but only
// keyed ones are looked up, and an intent per append would double the writes.
const requestIDPrefix = "idem:"

const intentEventType = "$iup-request-intent"

// intent is what the index stream records before a keyed append.
type intent struct {
	Stream    string `json:"stream"`
	From      uint64 `json:"from"` // the revision the first event would get; it may land later (Any)
	RequestID string `json:"request_id"`
}

// requestKey is the part of a request id that names its index stream: the
// id up to its last '.', which drops the fingerprint, so every request made
// under one Idempotency-Key (also a reuse with another body, which the API
// must see to refuse it) shares one index stream.
func requestKey(id string) string {
	if i := strings.LastIndexByte(id, '.'); i >= 0 {
		return id[:i]
	}
	return id
}

// requestStream is the index stream of one key. It is a system stream ('$'),
// so reads of $all and subscriptions never deliver it (like the key store's
// streams, it needs a user allowed to write system streams); the key is
// hashed to keep the name short and free of the caller's characters.
func requestStream(tenant, key string) string {
	sum := sha256.Sum256([]byte(key))
	return "$iup-request/" + url.PathEscape(tenant) + "/" + hex.EncodeToString(sum[:16])
}

// recordIntents writes the intent of an append to stream at revision from,
// once per tenant and request key among events (one, in practice).
func (s *Store) recordIntents(ctx context.Context, stream string, from uint64, events []eventstore.EventData) error {
	seen := map[string]bool{}
	for _, ev := range events {
		id := ev.Metadata.RequestID
		if !strings.HasPrefix(id, requestIDPrefix) {
			continue
		}
		index := requestStream(ev.Metadata.Tenant, requestKey(id))
		if seen[index+"\x00"+id] {
			continue
		}
		seen[index+"\x00"+id] = true
		data, err := json.Marshal(intent{Stream: stream, From: from, RequestID: id})
		if err != nil {
			return fmt.Errorf("kurrent event store: request intent: %w", err)
		}
		// Any: intents of one key may come from several writers. A resent
		// intent that the server does not deduplicate is harmless: lookups
		// merge intents by stream.
		rec := esdb.EventData{EventID: uuid.New(), EventType: intentEventType, ContentType: esdb.ContentTypeJson, Data: data}
		err = s.do(ctx, "record request intent", func(c *esdb.Client) error {
			_, err := c.AppendToStream(ctx, index, esdb.AppendToStreamOptions{ExpectedRevision: esdb.Any{}}, rec)
			return err
		})
		if err != nil {
			return fmt.Errorf("kurrent event store: append to %s: request intent: %w", stream, err)
		}
	}
	return nil
}

// nextRevision is the revision the first event of an append to stream with
// expected would get, as far as it is known before the append.
func (s *Store) nextRevision(ctx context.Context, stream string, expected eventstore.ExpectedRevision) (uint64, error) {
	if expected.IsNoStream() {
		return 0, nil
	}
	if rev, ok := expected.ExactRevision(); ok {
		return rev + 1, nil
	}
	last, found, err := s.lastEvent(ctx, stream)
	if err != nil || !found {
		return 0, err
	}
	return last.Revision + 1, nil
}

// EventsByRequest returns the events of tenant whose metadata request id
// starts with prefix, in log order (it implements the API's request index).
// prefix is "idem:<key hash>." or a whole request id; other ids are not
// indexed and find nothing.
func (s *Store) EventsByRequest(ctx context.Context, tenant, prefix string) ([]eventstore.RecordedEvent, error) {
	if !strings.HasPrefix(prefix, requestIDPrefix) {
		return nil, nil
	}
	intents, err := s.readIntents(ctx, requestStream(tenant, requestKey(prefix)))
	if err != nil {
		return nil, err
	}
	// One scan per stream from its earliest intent covers the later ones.
	from := map[string]uint64{}
	for _, in := range intents {
		if f, ok := from[in.Stream]; !ok || in.From < f {
			from[in.Stream] = in.From
		}
	}
	var out []eventstore.RecordedEvent
	for stream, rev := range from {
		evs, err := s.requestEvents(ctx, stream, rev, tenant, prefix)
		if err != nil {
			return nil, err
		}
		out = append(out, evs...)
	}
	slices.SortFunc(out, func(a, b eventstore.RecordedEvent) int { return cmp.Compare(a.Position.Commit, b.Position.Commit) })
	return out, nil
}

// readIntents reads an index stream; a key never used has none.
func (s *Store) readIntents(ctx context.Context, index string) ([]intent, error) {
	var out []intent
	err := s.do(ctx, "read request index", func(c *esdb.Client) error {
		out = out[:0]
		rs, err := c.ReadStream(ctx, index, esdb.ReadStreamOptions{From: esdb.Start{}}, unlimited)
		if err != nil {
			return err
		}
		return eachEvent(rs, func(ev *esdb.RecordedEvent) error {
			var in intent
			if err := json.Unmarshal(ev.Data, &in); err != nil {
				return fmt.Errorf("request intent %s: %w", ev.EventID, err)
			}
			out = append(out, in)
			return nil
		})
	})
	if code(err) == esdb.ErrorCodeResourceNotFound {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("kurrent event store: request index: %w", err)
	}
	return out, nil
}

// requestScanPage is how many events a lookup reads at a time.
const requestScanPage = 64

// requestEvents scans stream from revision from for events of tenant whose
// request id starts with prefix. One append's events are contiguous, so the
// scan stops at the first other event after a run of matches; an intent
// whose append never happened scans to the stream's end and finds nothing.
func (s *Store) requestEvents(ctx context.Context, stream string, from uint64, tenant, prefix string) ([]eventstore.RecordedEvent, error) {
	var out []eventstore.RecordedEvent
	for {
		page, err := s.readStream(ctx, stream, esdb.ReadStreamOptions{Direction: esdb.Forwards, From: esdb.Revision(from)}, requestScanPage)
		if isNotFound(err) {
			return out, nil // the append that would have created it never happened
		}
		if err != nil {
			return nil, fmt.Errorf("kurrent event store: request lookup: %w", err)
		}
		for _, ev := range page {
			if ev.Metadata.Tenant == tenant && strings.HasPrefix(ev.Metadata.RequestID, prefix) {
				out = append(out, ev)
			} else if len(out) > 0 {
				return out, nil
			}
		}
		if len(page) < requestScanPage {
			return out, nil
		}
		from = page[len(page)-1].Revision + 1
	}
}

// indexRequest records the intent of a keyed append before it is made.
func (s *Store) indexRequest(ctx context.Context, stream string, expected eventstore.ExpectedRevision, events []eventstore.EventData) error {
	if !slices.ContainsFunc(events, func(ev eventstore.EventData) bool { return strings.HasPrefix(ev.Metadata.RequestID, requestIDPrefix) }) {
		return nil
	}
	from, err := s.nextRevision(ctx, stream, expected)
	if err != nil {
		return err
	}
	return s.recordIntents(ctx, stream, from, events)
}
