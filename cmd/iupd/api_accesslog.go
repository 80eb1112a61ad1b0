package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/EventStore/EventStore-Client-Go/v4/esdb"

	"github.com/iup-platform/iup/eventstore"
	"github.com/iup-platform/iup/handlers"
)

// kurrentAccessStreams keeps the read access log in KurrentDB system
// streams ("$iup-access/<tenant>/<student>"), which the event-store port
// refuses by design (aggregates never live there) and which $all readers
// skip: the forwarder, the views and `iupd verify` never see the access
// log, while every API node shares it. The connection's user must be
// allowed to write system streams, as the data keys already require.
type kurrentAccessStreams struct{ client *esdb.Client }

var _ handlers.AccessStreams = (*kurrentAccessStreams)(nil)

const accessSystemPrefix = "$iup-"

// accessMeta is the stored metadata: the schema version travels with it.
type accessMeta struct {
	Tenant        string `json:"tenant"`
	SchemaVersion int    `json:"schema_version"`
}

func openKurrentAccessStreams(connection string) (*kurrentAccessStreams, error) {
	if rest, ok := strings.CutPrefix(connection, "kurrentdb"); ok {
		connection = "esdb" + rest
	}
	cfg, err := esdb.ParseConnectionString(connection)
	if err != nil {
		return nil, errors.New("read access log: the KurrentDB connection string does not parse")
	}
	cfg.Logger = func(esdb.LogLevel, string, ...any) {} // the adapter's own log says what matters
	client, err := esdb.NewClient(cfg)
	if err != nil {
		return nil, fmt.Errorf("read access log: %w", err)
	}
	return &kurrentAccessStreams{client: client}, nil
}

// Append writes events at the stream's end; the sink sends Any.
func (k *kurrentAccessStreams) Append(ctx context.Context, stream string, _ eventstore.ExpectedRevision, events ...eventstore.EventData) (eventstore.AppendResult, error) {
	out := make([]esdb.EventData, len(events))
	for i, ev := range events {
		meta, err := json.Marshal(accessMeta{Tenant: ev.Metadata.Tenant, SchemaVersion: ev.SchemaVersion})
		if err != nil {
			return eventstore.AppendResult{}, err
		}
		out[i] = esdb.EventData{EventID: ev.ID, EventType: ev.Type, ContentType: esdb.ContentTypeJson, Data: ev.Data, Metadata: meta}
	}
	res, err := k.client.AppendToStream(ctx, accessSystemPrefix+stream, esdb.AppendToStreamOptions{ExpectedRevision: esdb.Any{}}, out...)
	if err != nil {
		return eventstore.AppendResult{}, fmt.Errorf("append to the access log: %w", err)
	}
	return eventstore.AppendResult{Revision: res.NextExpectedVersion}, nil
}

// ReadStream reads the newest opts.Limit events, newest first: the one
// read the sink makes.
func (k *kurrentAccessStreams) ReadStream(ctx context.Context, stream string, opts eventstore.ReadStreamOptions) ([]eventstore.RecordedEvent, error) {
	if !opts.Backwards || !opts.FromEnd {
		return nil, errors.New("read access log: only newest-first reads are supported")
	}
	count := uint64(1 << 62)
	if opts.Limit > 0 {
		count = uint64(opts.Limit)
	}
	rs, err := k.client.ReadStream(ctx, accessSystemPrefix+stream, esdb.ReadStreamOptions{Direction: esdb.Backwards, From: esdb.End{}}, count)
	if err != nil {
		return nil, accessReadErr(err)
	}
	defer rs.Close()
	var out []eventstore.RecordedEvent
	for {
		ev, err := rs.Recv()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, accessReadErr(err)
		}
		rec := ev.OriginalEvent()
		var meta accessMeta
		if err := json.Unmarshal(rec.UserMetadata, &meta); err != nil {
			return nil, fmt.Errorf("read access log: metadata of %s: %w", rec.StreamID, err)
		}
		out = append(out, eventstore.RecordedEvent{Stream: stream, Revision: rec.EventNumber, EventData: eventstore.EventData{
			ID: rec.EventID, Type: rec.EventType, SchemaVersion: meta.SchemaVersion, Data: rec.Data,
			Metadata: eventstore.Metadata{Tenant: meta.Tenant, RecordedAt: rec.CreatedDate}}})
	}
}

func accessReadErr(err error) error {
	var e *esdb.Error
	if errors.As(err, &e) && e.Code() == esdb.ErrorCodeResourceNotFound {
		return eventstore.ErrStreamNotFound
	}
	return fmt.Errorf("read the access log: %w", err)
}

// Close closes the connection.
func (k *kurrentAccessStreams) Close() error { return k.client.Close() }
