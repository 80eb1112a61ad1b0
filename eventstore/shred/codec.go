package shred

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"

	"github.com/google/uuid"

	"github.com/iup-platform/iup/domain"
	"github.com/iup-platform/iup/domain/retention"
	"github.com/iup-platform/iup/eventstore"
)

// sealedKey is the JSON member that holds an event's encrypted personal
// content; no event field may use the name.
const sealedKey = "_sealed"

// sealed is the stored form of an event's personal content.
type sealed struct {
	Subject string `json:"subject"` // the data subject whose key seals it (an opaque id)
	Data    []byte `json:"data"`    // AES-256-GCM, nonce first, authenticated with the event id
}

// Codec is an eventstore.Codec that seals every top-level field of an event
// that is, or contains, a field tagged `personal:"true"`, with the data key
// of the event's DataSubject for the event's document type
// (retention.KeySubject). Decoding uses the subject recorded in the sealed
// box, so events sealed under an earlier policy still open.
type Codec struct {
	registry *domain.Registry
	keys     *Keyring
	fields   sync.Map // reflect.Type -> []string: JSON names of the sealed fields
}

var _ eventstore.Codec = (*Codec)(nil)

// NewCodec returns the sealing codec.
func NewCodec(registry *domain.Registry, keys *Keyring) *Codec {
	if registry == nil || keys == nil {
		panic("shred: NewCodec needs a registry and a keyring")
	}
	return &Codec{registry: registry, keys: keys}
}

// Keyring is the codec's keyring (culling destroys keys through it, so the
// codec's cache forgets them at once).
func (c *Codec) Keyring() *Keyring { return c.keys }

// Encode implements eventstore.Codec.
func (c *Codec) Encode(ctx context.Context, tenant string, id uuid.UUID, ev domain.Event) ([]byte, int, error) {
	raw, version, err := c.registry.Encode(ev)
	if err != nil {
		return nil, 0, err
	}
	names := c.sealedFields(reflect.TypeOf(ev))
	if len(names) == 0 {
		return raw, version, nil
	}
	var members map[string]json.RawMessage
	if err := json.Unmarshal(raw, &members); err != nil {
		return nil, 0, fmt.Errorf("seal %s: %w", ev.EventType(), err)
	}
	personal := make(map[string]json.RawMessage, len(names))
	for _, n := range names {
		if v, ok := members[n]; ok {
			if !emptyJSON(v) {
				personal[n] = v
			}
			delete(members, n)
		}
	}
	if len(personal) > 0 {
		ds, ok := ev.(domain.DataSubject)
		if !ok || ds.DataSubject() == "" {
			return nil, 0, fmt.Errorf("seal %s: it carries personal content but names no data subject", ev.EventType())
		}
		// Each document type has its own key, so the retention schedule
		// can cull one type of a student's records and keep the others.
		subject := retention.KeySubject(ds.DataSubject(), retention.DocTypeOf(ev.EventType()))
		g, err := c.keys.cipherFor(ctx, tenant, subject, true)
		if err != nil {
			return nil, 0, fmt.Errorf("seal %s: %w", ev.EventType(), err)
		}
		plain, err := json.Marshal(personal)
		if err != nil {
			return nil, 0, err
		}
		box, err := json.Marshal(sealed{Subject: subject, Data: g.seal(plain, id[:])})
		if err != nil {
			return nil, 0, err
		}
		members[sealedKey] = box
	}
	out, err := json.Marshal(members)
	return out, version, err
}

// Decode implements eventstore.Codec.
func (c *Codec) Decode(ctx context.Context, rec eventstore.RecordedEvent) (domain.Event, bool, error) {
	data, culled := rec.Data, false
	if bytes.Contains(data, []byte(`"`+sealedKey+`"`)) {
		var err error
		if data, culled, err = c.open(ctx, rec); err != nil {
			return nil, false, fmt.Errorf("stream %s revision %d: %w", rec.Stream, rec.Revision, err)
		}
	}
	ev, err := c.registry.Decode(rec.Type, rec.SchemaVersion, data)
	if err != nil {
		return nil, false, fmt.Errorf("stream %s revision %d: %w", rec.Stream, rec.Revision, err)
	}
	return ev, culled, nil
}

// open merges the decrypted personal content back into the event's JSON, or
// drops it when the key is gone: such content projects exactly like culled
// content, so a rebuild after culling equals the live views.
func (c *Codec) open(ctx context.Context, rec eventstore.RecordedEvent) ([]byte, bool, error) {
	var members map[string]json.RawMessage
	if err := json.Unmarshal(rec.Data, &members); err != nil {
		return nil, false, err
	}
	box, ok := members[sealedKey]
	if !ok {
		return rec.Data, false, nil
	}
	delete(members, sealedKey)
	var s sealed
	if err := json.Unmarshal(box, &s); err != nil {
		return nil, false, fmt.Errorf("sealed content: %w", err)
	}
	g, err := c.keys.cipherFor(ctx, rec.Metadata.Tenant, s.Subject, false)
	if errors.Is(err, ErrDestroyed) || errors.Is(err, ErrNoKey) {
		out, err := json.Marshal(members)
		return out, true, err
	}
	if err != nil {
		return nil, false, err
	}
	plain, err := g.open(s.Data, rec.ID[:])
	if err != nil {
		// Not a culled key: the ciphertext or its event id was altered.
		return nil, false, fmt.Errorf("sealed content does not authenticate: %w", err)
	}
	var personal map[string]json.RawMessage
	if err := json.Unmarshal(plain, &personal); err != nil {
		return nil, false, err
	}
	for k, v := range personal {
		members[k] = v
	}
	out, err := json.Marshal(members)
	return out, false, err
}

// sealedFields lists, once per type, the top-level JSON members that are or
// contain personal fields.
func (c *Codec) sealedFields(t reflect.Type) []string {
	if v, ok := c.fields.Load(t); ok {
		return v.([]string)
	}
	names := PersonalMembers(t)
	c.fields.Store(t, names)
	return names
}

// PersonalMembers returns the top-level JSON member names of struct type t
// that are tagged personal or contain a tagged field at any depth.
func PersonalMembers(t reflect.Type) []string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct {
		return nil
	}
	var names []string
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" {
			continue
		}
		if f.Anonymous && name == "" {
			names = append(names, PersonalMembers(f.Type)...)
			continue
		}
		if name == "" {
			name = f.Name
		}
		if f.Tag.Get("personal") == "true" || containsPersonal(f.Type, map[reflect.Type]bool{}) {
			names = append(names, name)
		}
	}
	return names
}

func containsPersonal(t reflect.Type, seen map[reflect.Type]bool) bool {
	switch t.Kind() {
	case reflect.Pointer, reflect.Slice, reflect.Array, reflect.Map:
		return containsPersonal(t.Elem(), seen)
	case reflect.Struct:
		if seen[t] {
			return false
		}
		seen[t] = true
		for i := range t.NumField() {
			f := t.Field(i)
			if f.Tag.Get("personal") == "true" || containsPersonal(f.Type, seen) {
				return true
			}
		}
	}
	return false
}

func emptyJSON(v json.RawMessage) bool {
	switch string(bytes.TrimSpace(v)) {
	case `""`, `null`, `[]`, `{}`:
		return true
	}
	return false
}
