package handlers

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/iup-platform/iup/domain"
	"github.com/iup-platform/iup/eventstore"
)

// The read access log as events: each flushed batch becomes, per student,
// one event in the student's access stream, in a store apart from the
// aggregates' log (on KurrentDB, system streams that its $all readers, the
// forwarder and the verifier, skip), so every API node writes to and reads
// from one shared log without the views ever seeing it. The entries are the student's
// personal data (who looked at them, and when) and are sealed with the
// student's access-log data key (retention document type "access-log"):
// the culling that destroys that key shreds them. See docs/decisions.md.

// AccessRead is one batch of reads of one student's records.
type AccessRead struct {
	StudentID string         `json:"student_id"`
	Entries   []accessRecord `json:"entries" personal:"true"`
}

// accessRecord is an entry as stored (tenant and student are the stream's).
type accessRecord struct {
	At         time.Time   `json:"at"`
	ActorID    string      `json:"actor_id"`
	Role       domain.Role `json:"role"`
	What       string      `json:"what"`
	Object     string      `json:"object"`
	RequestID  string      `json:"request_id,omitempty"`
	OnBehalfOf string      `json:"on_behalf_of,omitempty"`
}

// EventType is stable; its category "access" is retention's access-log
// document type, which picks the sealing key.
func (AccessRead) EventType() string { return "access.read" }

// DataSubject is the student read about.
func (e AccessRead) DataSubject() string { return e.StudentID }

// AccessEvents is the registry of the access log's one event type. It is
// apart from the domain's registry: the access log is not an aggregate's
// history and never reaches the views.
var AccessEvents = func() *domain.Registry {
	r := domain.NewRegistry()
	domain.Register[AccessRead](r, 1)
	return r
}()

// AccessStreams is what the sink needs of an event store.
type AccessStreams interface {
	Append(ctx context.Context, stream string, expected eventstore.ExpectedRevision, events ...eventstore.EventData) (eventstore.AppendResult, error)
	ReadStream(ctx context.Context, stream string, opts eventstore.ReadStreamOptions) ([]eventstore.RecordedEvent, error)
}

// EventAccessSink keeps the access log in an event store.
type EventAccessSink struct {
	store AccessStreams
	codec eventstore.Codec // a sealing codec over AccessEvents
	close func() error     // closes a store of its own; nil for a shared one
}

// NewEventAccessSink returns the sink over store. codec must encode
// AccessEvents (shred.NewCodec(handlers.AccessEvents, keyring) seals them).
// closeStore, when not nil, is called by Close.
func NewEventAccessSink(store AccessStreams, codec eventstore.Codec, closeStore func() error) (*EventAccessSink, error) {
	if store == nil || codec == nil {
		return nil, errors.New("handlers: the access log needs a store and a codec")
	}
	return &EventAccessSink{store: store, codec: codec, close: closeStore}, nil
}

// AccessStream is the stream of a student's access log in the sink's
// store. (On KurrentDB the store adds the system prefix: see iupd api.)
func AccessStream(tenant, student string) string {
	return "access/" + url.PathEscape(tenant) + "/" + url.PathEscape(student)
}

// appendParallel bounds the appends of one batch in flight at once.
const appendParallel = 64

// Append writes one event per student of the batch. The students' events
// are sealed and appended concurrently, so the embedded store's group
// commit writes the batch in one or a few transactions (one fsync each)
// rather than one per student, and KurrentDB gets them pipelined. A
// student whose write fails (their key destroyed by a culling a moment
// ago, say) does not stop the others; the errors are joined.
func (s *EventAccessSink) Append(ctx context.Context, es []AccessEntry) error {
	type key struct{ tenant, student string }
	groups := map[key][]accessRecord{}
	var order []key
	for _, e := range es {
		k := key{e.Tenant, e.StudentID}
		if _, ok := groups[k]; !ok {
			order = append(order, k)
		}
		groups[k] = append(groups[k], accessRecord{At: e.At.UTC(), ActorID: e.ActorID, Role: e.Role, What: e.What,
			Object: e.Object, RequestID: e.RequestID, OnBehalfOf: e.OnBehalfOf})
	}
	errs := make([]error, len(order))
	sem := make(chan struct{}, appendParallel)
	var wg sync.WaitGroup
	for i, k := range order {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			errs[i] = s.appendOne(ctx, k.tenant, AccessRead{StudentID: k.student, Entries: groups[k]})
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}

func (s *EventAccessSink) appendOne(ctx context.Context, tenant string, ev AccessRead) error {
	id, err := uuid.NewV7()
	if err != nil {
		return fmt.Errorf("access log: %w", err)
	}
	data, version, err := s.codec.Encode(ctx, tenant, id, ev)
	if err != nil {
		return fmt.Errorf("access log: seal: %w", err)
	}
	// No actor in the metadata: who read is the sealed content.
	_, err = s.store.Append(ctx, AccessStream(tenant, ev.StudentID), eventstore.Any(), eventstore.EventData{
		ID: id, Type: ev.EventType(), SchemaVersion: version, Data: data,
		Metadata: eventstore.Metadata{Tenant: tenant, ActorRole: "system"}})
	if err != nil {
		return fmt.Errorf("access log: append: %w", err)
	}
	return nil
}

// Read returns the newest limit entries of a student, newest first.
// Entries whose key was destroyed (culled) are gone.
func (s *EventAccessSink) Read(ctx context.Context, tenant, student string, limit int) ([]AccessEntry, error) {
	// Every event holds at least one entry: limit events are enough.
	recs, err := s.store.ReadStream(ctx, AccessStream(tenant, student), eventstore.ReadStreamOptions{FromEnd: true, Backwards: true, Limit: limit})
	if errors.Is(err, eventstore.ErrStreamNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("access log: read: %w", err)
	}
	var out []AccessEntry
	for _, rec := range recs {
		ev, culled, err := s.codec.Decode(ctx, rec)
		if err != nil {
			return nil, fmt.Errorf("access log: %w", err)
		}
		b, ok := ev.(AccessRead)
		if !ok || culled {
			continue
		}
		for _, e := range slices.Backward(b.Entries) {
			if len(out) == limit {
				return out, nil
			}
			out = append(out, AccessEntry{Tenant: tenant, StudentID: student, At: e.At, ActorID: e.ActorID, Role: e.Role,
				What: e.What, Object: e.Object, RequestID: e.RequestID, OnBehalfOf: e.OnBehalfOf})
		}
	}
	return out, nil
}

// Close closes the sink's own store, if it has one.
func (s *EventAccessSink) Close() error {
	if s.close == nil {
		return nil
	}
	return s.close()
}
