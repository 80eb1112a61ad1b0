package domain

import (
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
	"sync"
	"time"
)

// Event is a fact that happened to an aggregate. Each event type is a struct
// with a stable type name (what the store keeps; it outlives the Go name) and
// a schema version. Fields holding personal content (names, comments, plan
// texts, goals, notes) carry the struct tag `personal:"true"`, so the store
// can encrypt them with the data subject's key.
type Event interface {
	EventType() string
}

// DataSubject is implemented by events that carry personal content about one
// person (usually a student): the id whose data key protects that content.
type DataSubject interface {
	DataSubject() string
}

// Envelope is a stored event as the domain sees it.
type Envelope struct {
	Event      Event
	Stream     string
	Revision   uint64
	RecordedAt time.Time // transaction time
	Actor      Actor
	// Culled is true when the event's personal content was destroyed
	// (gallring or erasure); its personal fields are then empty.
	Culled bool
}

// Upcaster turns the JSON of version v of an event type into version v+1.
type Upcaster func(json.RawMessage) (json.RawMessage, error)

type registration struct {
	version   int
	typ       reflect.Type
	upcasters map[int]Upcaster // from version -> to version+1
}

// Registry maps stable type names to Go types and upcasts old versions on read.
type Registry struct {
	mu    sync.RWMutex
	types map[string]*registration
}

// Events is the registry every aggregate registers its events in.
var Events = NewRegistry()

// NewRegistry returns an empty registry (tests use their own).
func NewRegistry() *Registry { return &Registry{types: map[string]*registration{}} }

// Register records event type E (a struct implementing Event) at its
// current schema version. It panics on a duplicate, at init time.
func Register[E Event](r *Registry, version int) {
	var zero E
	name := zero.EventType()
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, dup := r.types[name]; dup {
		panic("domain: event type registered twice: " + name)
	}
	r.types[name] = &registration{version: version, typ: reflect.TypeOf(zero), upcasters: map[int]Upcaster{}}
}

// RegisterUpcaster records how to turn version from of typeName into from+1.
func (r *Registry) RegisterUpcaster(typeName string, from int, up Upcaster) {
	r.mu.Lock()
	defer r.mu.Unlock()
	reg, ok := r.types[typeName]
	if !ok {
		panic("domain: upcaster for unregistered event type " + typeName)
	}
	reg.upcasters[from] = up
}

// Version returns the current schema version of typeName.
func (r *Registry) Version(typeName string) (int, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	reg, ok := r.types[typeName]
	if !ok {
		return 0, false
	}
	return reg.version, true
}

// Types lists the registered type names, sorted.
func (r *Registry) Types() []string {
	r.mu.RLock()
	defer r.mu.RUnlock()
	out := make([]string, 0, len(r.types))
	for k := range r.types {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// GoType returns the Go type registered for typeName.
func (r *Registry) GoType(typeName string) (reflect.Type, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	reg, ok := r.types[typeName]
	if !ok {
		return nil, false
	}
	return reg.typ, true
}

// Encode returns the JSON and schema version of ev.
func (r *Registry) Encode(ev Event) (data []byte, version int, err error) {
	v, ok := r.Version(ev.EventType())
	if !ok {
		return nil, 0, fmt.Errorf("encode event: type %q is not registered", ev.EventType())
	}
	data, err = json.Marshal(ev)
	if err != nil {
		return nil, 0, fmt.Errorf("encode event %s: %w", ev.EventType(), err)
	}
	return data, v, nil
}

// Decode upcasts data from version to the current version and decodes it.
func (r *Registry) Decode(typeName string, version int, data []byte) (Event, error) {
	r.mu.RLock()
	reg, ok := r.types[typeName]
	r.mu.RUnlock()
	if !ok {
		return nil, fmt.Errorf("decode event: type %q is not registered", typeName)
	}
	if version < 1 || version > reg.version {
		return nil, fmt.Errorf("decode event %s: schema version %d is not between 1 and %d", typeName, version, reg.version)
	}
	raw := json.RawMessage(data)
	for v := version; v < reg.version; v++ {
		up, ok := reg.upcasters[v]
		if !ok {
			return nil, fmt.Errorf("decode event %s: no upcaster from version %d", typeName, v)
		}
		var err error
		if raw, err = up(raw); err != nil {
			return nil, fmt.Errorf("decode event %s: upcast from version %d: %w", typeName, v, err)
		}
	}
	ptr := reflect.New(reg.typ)
	if err := json.Unmarshal(raw, ptr.Interface()); err != nil {
		return nil, fmt.Errorf("decode event %s v%d: %w", typeName, version, err)
	}
	ev, ok := ptr.Elem().Interface().(Event)
	if !ok {
		return nil, fmt.Errorf("decode event %s: registered type does not implement Event", typeName)
	}
	return ev, nil
}
