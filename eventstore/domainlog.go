package eventstore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/iup-platform/iup/domain"
)

// DomainLog adapts a Store to the domain's EventLog: it encodes and decodes
// events through a Codec (upcasting old versions, sealing personal content)
// and fills the envelope's metadata from the command.
//
// It also keeps the states deciders fold (domain.StateKeeper), so a command
// on a stream with hundreds of edits decodes and folds only what was
// appended since the last command, not the whole stream.
type DomainLog struct {
	store  Store
	codec  Codec
	forget Forgetter   // the codec, when its decoding can change; else nil
	kept   *keptStates // nil: states are not kept
}

// DefaultKeptStateBytes bounds the folded states a DomainLog keeps: an
// entry's state is some hundreds of bytes, a plan's a few kilobytes, so
// this holds the hot aggregates of a large school week.
const DefaultKeptStateBytes = 64 << 20

// WithKeptStates keeps folded states up to about maxBytes, the least
// recently used dropped first; 0 keeps none. The default is
// DefaultKeptStateBytes.
func WithKeptStates(maxBytes int) DomainLogOption {
	return func(o *domainLogOptions) { o.kept = maxBytes }
}

// WithClock sets the clock kept states expire by (tests).
func WithClock(now func() time.Time) DomainLogOption {
	return func(o *domainLogOptions) { o.now = now }
}

// DomainLogOption tunes a DomainLog.
type DomainLogOption func(*domainLogOptions)

type domainLogOptions struct {
	kept int
	now  func() time.Time
}

// NewDomainLog returns the adapter; store and codec are required.
func NewDomainLog(store Store, codec Codec, opts ...DomainLogOption) *DomainLog {
	if store == nil || codec == nil {
		panic("eventstore: NewDomainLog needs a store and a codec")
	}
	o := domainLogOptions{kept: DefaultKeptStateBytes, now: time.Now}
	for _, opt := range opts {
		opt(&o)
	}
	l := &DomainLog{store: store, codec: codec}
	l.forget, _ = codec.(Forgetter)
	if o.kept > 0 {
		l.kept = newKeptStates(o.kept, l.forget, o.now)
	}
	return l
}

// readPage bounds one read so a long stream is folded in pages.
const readPage = 512

// Load implements domain.EventLog.
func (l *DomainLog) Load(ctx context.Context, stream string) (domain.Loaded, error) {
	return l.LoadAfter(ctx, stream, domain.NoStream)
}

// LoadAfter implements domain.StateKeeper: the events after version after.
func (l *DomainLog) LoadAfter(ctx context.Context, stream string, after domain.Version) (domain.Loaded, error) {
	var out domain.Loaded
	out.Version = after
	if l.forget != nil {
		out.Epoch = l.forget.Epoch() // before decoding: a key destroyed meanwhile moves it
	}
	from := uint64(after + 1)
	for {
		page, err := l.store.ReadStream(ctx, stream, ReadStreamOptions{From: from, Limit: readPage})
		if errors.Is(err, ErrStreamNotFound) {
			return domain.Loaded{Version: domain.NoStream, Epoch: out.Epoch}, nil
		}
		if err != nil {
			return out, err
		}
		for _, rec := range page {
			env, err := l.Decode(ctx, rec)
			if err != nil {
				return out, err
			}
			out.Events = append(out.Events, env)
			out.Version = domain.Version(rec.Revision)
		}
		if len(page) < readPage {
			return out, nil
		}
		from = page[len(page)-1].Revision + 1
	}
}

// Decode turns a stored event into the domain's envelope.
func (l *DomainLog) Decode(ctx context.Context, rec RecordedEvent) (domain.Envelope, error) {
	ev, culled, err := l.codec.Decode(ctx, rec)
	if err != nil {
		return domain.Envelope{}, err
	}
	return domain.Envelope{
		Event:      ev,
		Culled:     culled,
		Stream:     rec.Stream,
		Revision:   rec.Revision,
		RecordedAt: rec.Metadata.RecordedAt,
		Actor: domain.Actor{
			Tenant:     rec.Metadata.Tenant,
			ID:         rec.Metadata.ActorID,
			Role:       domain.Role(rec.Metadata.ActorRole),
			OnBehalfOf: rec.Metadata.OnBehalfOf,
		},
	}, nil
}

// Append implements domain.EventLog. Every append is made with an exact
// expectation (or no-stream), which is also what makes a retry idempotent on
// every backend.
func (l *DomainLog) Append(ctx context.Context, stream string, expected domain.Version, meta domain.Meta, events []domain.Event) (domain.Appended, error) {
	data := make([]EventData, 0, len(events))
	for _, ev := range events {
		id := NewEventID()
		payload, version, err := l.codec.Encode(ctx, meta.Actor.Tenant, id, ev)
		if err != nil {
			return domain.Appended{}, err
		}
		data = append(data, EventData{
			ID:            id,
			Type:          ev.EventType(),
			SchemaVersion: version,
			Data:          payload,
			Metadata: Metadata{
				Tenant:        meta.Actor.Tenant,
				ActorID:       meta.Actor.ID,
				ActorRole:     string(meta.Actor.Role),
				OnBehalfOf:    meta.Actor.OnBehalfOf,
				CorrelationID: meta.CorrelationID,
				CausationID:   meta.CausationID,
				RequestID:     meta.RequestID,
			},
		})
	}
	exp := NoStream()
	if expected != domain.NoStream {
		exp = Exact(uint64(expected))
	}
	res, err := l.store.Append(ctx, stream, exp, data...)
	if err != nil {
		if c, ok := AsConflict(err); ok {
			return domain.Appended{}, fmt.Errorf("%s: %w", c.Error(), domain.ErrVersionConflict)
		}
		return domain.Appended{}, err
	}
	return domain.Appended{Version: domain.Version(res.Revision), Position: res.Position.String()}, nil
}

// KeptState implements domain.StateKeeper.
func (l *DomainLog) KeptState(kind, stream string) (any, domain.Loaded, bool) {
	if l.kept == nil {
		return nil, domain.Loaded{Version: domain.NoStream}, false
	}
	return l.kept.get(kind, stream)
}

// KeepState implements domain.StateKeeper.
func (l *DomainLog) KeepState(kind, stream string, state any, at domain.Loaded) {
	if l.kept != nil {
		l.kept.put(kind, stream, state, at)
	}
}

// Collectors returns the kept states' gauges for registration.
func (l *DomainLog) Collectors() []prometheus.Collector {
	if l.kept == nil {
		return nil
	}
	return l.kept.collectors()
}

var _ domain.StateKeeper = (*DomainLog)(nil)
