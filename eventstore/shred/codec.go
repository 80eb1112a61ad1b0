package shred

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
	"time"

	gojson "github.com/goccy/go-json"
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

// Epoch implements eventstore.Forgetter.
func (c *Codec) Epoch() uint64 { return c.keys.Epoch() }

// ForgetWithin implements eventstore.Forgetter.
func (c *Codec) ForgetWithin() time.Duration { return c.keys.ForgetWithin() }

var _ eventstore.Forgetter = (*Codec)(nil)

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
	// Split with go-json: the JSON is json.Marshal's own, and the
	// standard decoder took a third of sealing an event.
	var members map[string]json.RawMessage
	if err := gojson.Unmarshal(raw, &members); err != nil {
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
		box, err := json.Marshal(sealed{Subject: subject, Data: g.seal(object(personal), id[:])})
		if err != nil {
			return nil, 0, err
		}
		members[sealedKey] = box
	}
	return object(members), version, nil
}

// object writes members as one JSON object, keys sorted: what json.Marshal
// writes for the map, without its second pass over every value (each is
// a member of JSON json.Marshal wrote, so already compact and escaped;
// that pass was half of sealing an event). Keys are field names.
func object(members map[string]json.RawMessage) []byte {
	keys := make([]string, 0, len(members))
	size := 2
	for k, v := range members {
		keys = append(keys, k)
		size += len(k) + len(v) + 4
	}
	slices.Sort(keys)
	out := make([]byte, 0, size)
	out = append(out, '{')
	for i, k := range keys {
		if i > 0 {
			out = append(out, ',')
		}
		out = appendKey(out, k)
		out = append(out, ':')
		out = append(out, members[k]...)
	}
	return append(out, '}')
}

// appendKey writes k as a JSON string: as it is when it is a plain field
// name (letters, digits, '_', '-'), through json.Marshal otherwise.
func appendKey(out []byte, k string) []byte {
	for i := 0; i < len(k); i++ {
		c := k[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '-') {
			q, _ := json.Marshal(k) // a string always encodes
			return append(out, q...)
		}
	}
	out = append(out, '"')
	out = append(out, k...)
	return append(out, '"')
}

// Decode implements eventstore.Codec.
//
// An event at its type's current schema version is decoded straight into
// its Go type, and the opened personal content is decoded over it: no
// merged JSON is built (that merge was four fifths of a rebuild's decoding
// time). Older versions are merged first, because upcasters work on the
// whole JSON.
func (c *Codec) Decode(ctx context.Context, rec eventstore.RecordedEvent) (domain.Event, bool, error) {
	if !bytes.Contains(rec.Data, []byte(`"`+sealedKey+`"`)) {
		return c.decode(rec, rec.Data, nil)
	}
	var outer struct {
		Box *sealed `json:"_sealed"`
	}
	if err := gojson.Unmarshal(rec.Data, &outer); err != nil {
		return nil, false, fmt.Errorf("stream %s revision %d: %w", rec.Stream, rec.Revision, err)
	}
	if outer.Box == nil { // the marker was inside a text, not a member
		return c.decode(rec, rec.Data, nil)
	}
	plain, err := c.open(ctx, rec, *outer.Box)
	if err != nil {
		return nil, false, fmt.Errorf("stream %s revision %d: %w", rec.Stream, rec.Revision, err)
	}
	if plain == nil { // key destroyed: content culled
		ev, _, err := c.decode(rec, rec.Data, nil)
		return ev, true, err
	}
	if v, ok := c.registry.Version(rec.Type); ok && v == rec.SchemaVersion {
		return c.decode(rec, rec.Data, plain)
	}
	merged, err := merge(rec.Data, plain)
	if err != nil {
		return nil, false, fmt.Errorf("stream %s revision %d: %w", rec.Stream, rec.Revision, err)
	}
	return c.decode(rec, merged, nil)
}

// decode decodes data (and then personal over it, for the current version).
// The sealed member is not a field of any event type, so it is ignored.
//
// An event at its type's current version is decoded with go-json, which
// reads what encoding/json reads into the same values (a school year of
// events and every registered type filled: decode_equiv_test.go) in a
// fraction of its time; decoding was most of a rebuild's reading. Older
// versions are upcast and decoded by the registry.
func (c *Codec) decode(rec eventstore.RecordedEvent, data, personal []byte) (domain.Event, bool, error) {
	if v, ok := c.registry.Version(rec.Type); personal == nil && (!ok || v != rec.SchemaVersion) {
		ev, err := c.registry.Decode(rec.Type, rec.SchemaVersion, data)
		if err != nil {
			return nil, false, fmt.Errorf("stream %s revision %d: %w", rec.Stream, rec.Revision, err)
		}
		return ev, false, nil
	}
	typ, ok := c.registry.GoType(rec.Type)
	if !ok {
		return nil, false, fmt.Errorf("stream %s revision %d: decode event: type %q is not registered", rec.Stream, rec.Revision, rec.Type)
	}
	ptr := reflect.New(typ)
	if err := gojson.Unmarshal(data, ptr.Interface()); err != nil {
		return nil, false, fmt.Errorf("stream %s revision %d: decode event %s: %w", rec.Stream, rec.Revision, rec.Type, err)
	}
	if personal != nil {
		if err := gojson.Unmarshal(personal, ptr.Interface()); err != nil {
			return nil, false, fmt.Errorf("stream %s revision %d: decode personal content of %s: %w", rec.Stream, rec.Revision, rec.Type, err)
		}
	}
	ev, ok := ptr.Elem().Interface().(domain.Event)
	if !ok {
		return nil, false, fmt.Errorf("stream %s revision %d: registered type %s does not implement Event", rec.Stream, rec.Revision, rec.Type)
	}
	return ev, false, nil
}

// open returns the decrypted personal content (a JSON object), or nil when
// the key is gone: such content projects exactly like culled content, so a
// rebuild after culling equals the live views.
func (c *Codec) open(ctx context.Context, rec eventstore.RecordedEvent, s sealed) ([]byte, error) {
	g, err := c.keys.cipherFor(ctx, rec.Metadata.Tenant, s.Subject, false)
	if errors.Is(err, ErrDestroyed) || errors.Is(err, ErrNoKey) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	plain, err := g.open(s.Data, rec.ID[:])
	if err != nil {
		// Not a culled key: the ciphertext or its event id was altered.
		return nil, fmt.Errorf("sealed content does not authenticate: %w", err)
	}
	return plain, nil
}

// merge puts the personal members back into the event's JSON object, for
// upcasters that need the whole of an older version.
func merge(data, personal []byte) ([]byte, error) {
	var members, extra map[string]json.RawMessage
	if err := json.Unmarshal(data, &members); err != nil {
		return nil, err
	}
	if err := json.Unmarshal(personal, &extra); err != nil {
		return nil, fmt.Errorf("personal content: %w", err)
	}
	delete(members, sealedKey)
	for k, v := range extra {
		members[k] = v
	}
	return json.Marshal(members)
}

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
