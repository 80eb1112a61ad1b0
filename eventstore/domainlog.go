package eventstore

import (
	"context"
	"errors"
	"fmt"

	"github.com/iup-platform/iup/domain"
)

// DomainLog adapts a Store to the domain's EventLog: it encodes and decodes
// events through a Codec (upcasting old versions, sealing personal content)
// and fills the envelope's metadata from the command.
type DomainLog struct {
	store Store
	codec Codec
}

// NewDomainLog returns the adapter; both arguments are required.
func NewDomainLog(store Store, codec Codec) *DomainLog {
	if store == nil || codec == nil {
		panic("eventstore: NewDomainLog needs a store and a codec")
	}
	return &DomainLog{store: store, codec: codec}
}

// readPage bounds one read so a long stream is folded in pages.
const readPage = 512

// Load implements domain.EventLog.
func (l *DomainLog) Load(ctx context.Context, stream string) (domain.Loaded, error) {
	var out domain.Loaded
	out.Version = domain.NoStream
	var from uint64
	for {
		page, err := l.store.ReadStream(ctx, stream, ReadStreamOptions{From: from, Limit: readPage})
		if errors.Is(err, ErrStreamNotFound) {
			return out, nil
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
