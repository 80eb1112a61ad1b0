package kurrent

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"time"

	"github.com/EventStore/EventStore-Client-Go/v4/esdb"
	"github.com/google/uuid"

	"github.com/iup-platform/iup/eventstore/shred"
)

// KeyStore keeps each subject's wrapped data key (crypto-shredding, package
// shred) in a stream of its own on the same KurrentDB, and destroys it with a
// tombstone: a hard delete, after which the stream can be neither read nor
// written again.
//
// The streams are system streams ("$iup-key/<tenant>/<subject>"), so the
// event store never returns them and the connection's user must be allowed
// to write system streams (an admin by default). A tombstone makes the key
// unreadable through the API at once, but its bytes leave KurrentDB's chunk
// files only at the next scavenge, and backups keep them until they expire:
// run a scavenge after each culling run (see README).
type KeyStore struct{ s *Store }

var _ shred.KeyStore = (*KeyStore)(nil)

// NewKeyStore returns the key store on s's connection.
func NewKeyStore(s *Store) *KeyStore { return &KeyStore{s: s} }

const (
	keyEventType       = "$iup-data-key"
	destroyedEventType = "$iup-data-key-destroyed"
)

func keyStream(tenant, subject string) string {
	return "$iup-key/" + url.PathEscape(tenant) + "/" + url.PathEscape(subject)
}

// destroyedStream records when and under which rule a key was destroyed:
// the key's own stream can hold nothing after its tombstone.
func destroyedStream(tenant, subject string) string {
	return "$iup-key-destroyed/" + url.PathEscape(tenant) + "/" + url.PathEscape(subject)
}

// Load implements shred.KeyStore.
func (k *KeyStore) Load(ctx context.Context, tenant, subject string) ([]byte, error) {
	var wrapped []byte
	err := k.s.do(ctx, "load data key", func(c *esdb.Client) error {
		rs, err := c.ReadStream(ctx, keyStream(tenant, subject), esdb.ReadStreamOptions{From: esdb.Start{}}, 1)
		if err != nil {
			return err
		}
		defer rs.Close()
		ev, err := rs.Recv()
		if err != nil {
			return err
		}
		wrapped = ev.OriginalEvent().Data
		return nil
	})
	switch code(err) {
	case esdb.ErrorCodeResourceNotFound:
		return nil, shred.ErrNoKey
	case esdb.ErrorCodeStreamDeleted:
		return nil, shred.ErrDestroyed
	}
	if isEOF(err) {
		return nil, shred.ErrNoKey
	}
	if err != nil {
		return nil, err
	}
	return wrapped, nil
}

// Create implements shred.KeyStore: the first writer wins (no-stream
// expectation), and a destroyed key's stream refuses every write.
func (k *KeyStore) Create(ctx context.Context, tenant, subject string, wrapped []byte) ([]byte, error) {
	ev := esdb.EventData{EventID: uuid.New(), EventType: keyEventType, ContentType: esdb.ContentTypeBinary, Data: wrapped}
	err := k.s.do(ctx, "create data key", func(c *esdb.Client) error {
		_, err := c.AppendToStream(ctx, keyStream(tenant, subject), esdb.AppendToStreamOptions{ExpectedRevision: esdb.NoStream{}}, ev)
		return err
	})
	switch code(err) {
	case esdb.ErrorCodeStreamDeleted:
		return nil, shred.ErrDestroyed
	case esdb.ErrorCodeWrongExpectedVersion:
		return k.Load(ctx, tenant, subject) // another writer was first
	}
	if err != nil {
		return nil, err
	}
	return k.Load(ctx, tenant, subject)
}

// Destroy implements shred.KeyStore: it records the destruction, then
// tombstones the key's stream (also one that never had a key, so none can
// be created later). Both steps may be repeated; a failure leaves the key
// in place and Destroy is to be called again.
func (k *KeyStore) Destroy(ctx context.Context, tenant, subject, rule string, at time.Time) error {
	record, err := json.Marshal(struct {
		Rule        string    `json:"rule"`
		DestroyedAt time.Time `json:"destroyed_at"`
	}{rule, at.UTC()})
	if err != nil {
		return fmt.Errorf("destroy data key: %w", err)
	}
	// One record per subject: a repeated Destroy finds it and moves on.
	ev := esdb.EventData{EventID: uuid.NewSHA1(uuid.NameSpaceURL, []byte(destroyedStream(tenant, subject))),
		EventType: destroyedEventType, ContentType: esdb.ContentTypeJson, Data: record}
	err = k.s.do(ctx, "record data key destruction", func(c *esdb.Client) error {
		_, err := c.AppendToStream(ctx, destroyedStream(tenant, subject), esdb.AppendToStreamOptions{ExpectedRevision: esdb.NoStream{}}, ev)
		return err
	})
	if err != nil && code(err) != esdb.ErrorCodeWrongExpectedVersion {
		return fmt.Errorf("destroy data key: %w", err)
	}
	err = k.s.do(ctx, "tombstone data key", func(c *esdb.Client) error {
		_, err := c.TombstoneStream(ctx, keyStream(tenant, subject), esdb.TombstoneStreamOptions{ExpectedRevision: esdb.Any{}})
		return err
	})
	if err != nil && code(err) != esdb.ErrorCodeStreamDeleted {
		return fmt.Errorf("destroy data key: %w", err)
	}
	return nil
}
