package eventstore

import (
	"context"
	"fmt"

	"github.com/google/uuid"

	"github.com/iup-platform/iup/domain"
)

// Codec turns domain events into stored payloads and back. The sealing
// codec (package shred) encrypts personal content; PlainCodec does not.
type Codec interface {
	// Encode returns the stored JSON and schema version of ev, appended as
	// event id in tenant.
	Encode(ctx context.Context, tenant string, id uuid.UUID, ev domain.Event) (data []byte, version int, err error)
	// Decode returns the current-version event of rec, upcast as needed.
	// culled is true when its personal content can no longer be read (the
	// data key was destroyed); the personal fields are then empty.
	Decode(ctx context.Context, rec RecordedEvent) (ev domain.Event, culled bool, err error)
}

// PlainCodec stores events as the registry encodes them.
type PlainCodec struct{ Registry *domain.Registry }

// Encode implements Codec.
func (c PlainCodec) Encode(_ context.Context, _ string, _ uuid.UUID, ev domain.Event) ([]byte, int, error) {
	return c.Registry.Encode(ev)
}

// Decode implements Codec.
func (c PlainCodec) Decode(_ context.Context, rec RecordedEvent) (domain.Event, bool, error) {
	ev, err := c.Registry.Decode(rec.Type, rec.SchemaVersion, rec.Data)
	if err != nil {
		return nil, false, fmt.Errorf("stream %s revision %d: %w", rec.Stream, rec.Revision, err)
	}
	return ev, false, nil
}
