package kurrent

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/EventStore/EventStore-Client-Go/v4/esdb"

	"github.com/iup-platform/iup/eventstore"
)

// wireMeta is the event's user metadata in KurrentDB: the port's metadata
// (tenant, actor, role, on-behalf-of, correlation, causation, request id,
// recorded-at, hashes) plus the schema version, which has no place of its
// own in a KurrentDB event.
type wireMeta struct {
	eventstore.Metadata
	SchemaVersion int `json:"schema_version"`
}

// encode prepares events for an append at revision first of stream, each
// stamped with now and hashed into the stream's chain after prev (the
// content hash of the stream's current last event, "" for a new stream),
// exactly as the SQLite store does it (eventstore/chain.go).
func encode(stream string, first uint64, prev string, now time.Time, events []eventstore.EventData) ([]esdb.EventData, error) {
	out := make([]esdb.EventData, len(events))
	for i, ev := range events {
		ev.Metadata.RecordedAt = now
		ev.Metadata.ContentHash, ev.Metadata.PrevHash = "", prev
		ev.Metadata.ContentHash = eventstore.ContentHash(stream, first+uint64(i), ev)
		prev = ev.Metadata.ContentHash
		meta, err := json.Marshal(wireMeta{Metadata: ev.Metadata, SchemaVersion: ev.SchemaVersion})
		if err != nil {
			return nil, fmt.Errorf("kurrent event store: encode metadata: %w", err)
		}
		out[i] = esdb.EventData{EventID: ev.ID, EventType: ev.Type, ContentType: esdb.ContentTypeJson, Data: ev.Data, Metadata: meta}
	}
	return out, nil
}

// decode turns a KurrentDB event back into the port's.
func decode(ev *esdb.RecordedEvent) (eventstore.RecordedEvent, error) {
	var m wireMeta
	if err := json.Unmarshal(ev.UserMetadata, &m); err != nil {
		return eventstore.RecordedEvent{}, fmt.Errorf("kurrent event store: stream %s revision %d: metadata: %w", ev.StreamID, ev.EventNumber, err)
	}
	m.Metadata.RecordedAt = m.Metadata.RecordedAt.UTC()
	return eventstore.RecordedEvent{
		EventData: eventstore.EventData{ID: ev.EventID, Type: ev.EventType, SchemaVersion: m.SchemaVersion, Data: ev.Data, Metadata: m.Metadata},
		Stream:    ev.StreamID,
		Revision:  ev.EventNumber,
		Position:  toPosition(ev.Position),
	}, nil
}
