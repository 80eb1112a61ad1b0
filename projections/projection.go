package projections

import (
	"fmt"
	"maps"
	"slices"
	"sync"

	"github.com/iup-platform/iup/domain"
	"github.com/iup-platform/iup/eventstore"
)

// Event is what a projection sees: the decoded domain event with its place
// in the log. Culled events arrive with their personal fields empty and
// Culled set, exactly as if the content had never been there, so a rebuild
// after culling equals the live view.
type Event struct {
	domain.Envelope
	ID       string
	Position eventstore.Position
}

// Tx is a projection's access to its own documents while it applies one
// event: reads see the writes of earlier events in the same batch.
type Tx interface {
	// Get returns the document at key, or nil when there is none.
	Get(key string) ([]byte, error)
	// Put stores value at key.
	Put(key string, value []byte)
	// Delete removes key.
	Delete(key string)
}

// Projection is a named, versioned function from events to changes of its
// view. Bumping Version makes the runtime rebuild the view from the start
// of the log into a fresh namespace and switch to it when caught up.
type Projection struct {
	Name    string
	Version int
	// Views names the views the projection serves when it is a family of
	// views that fold the same facts (the staff views, the home views):
	// one fold for all of them instead of one per view. Readers name the
	// view; Serving maps it to the projection. Empty: the view is Name.
	Views []string
	// Handles lists the event types Apply reads; the checkpoint still
	// advances over every other event.
	Handles []string
	// Apply changes the view for one event. It must be a pure function of
	// the event and the documents it reads: no clock, no other I/O, so a
	// replay yields the same bytes.
	Apply func(tx Tx, ev Event) error
}

// Serves reports whether the projection serves view (its own name counts).
func (p Projection) Serves(view string) bool {
	return view == p.Name || slices.Contains(p.Views, view)
}

// Serving returns the name of the projection among ps that serves view, or
// "" when none does.
func Serving(ps []Projection, view string) string {
	for _, p := range ps {
		if p.Serves(view) {
			return p.Name
		}
	}
	return ""
}

// HandlesType reports whether the projection reads events of type t.
func (p Projection) HandlesType(t string) bool { return slices.Contains(p.Handles, t) }

// Namespace names the build generation of this projection's view.
func (p Projection) Namespace(generation string) Namespace {
	return Namespace(fmt.Sprintf("%s.v%d.%s", p.Name, p.Version, generation))
}

// GetJSON decodes the document at key into v and reports whether it existed.
// On an Overlay the decoded document is kept, so the next read of the same
// key in this batch or a later one costs a copy, not a decode. v receives a
// shallow copy: mutate what you read only to Put it back.
func GetJSON[T any](tx Tx, key string, v *T) (bool, error) {
	if o, ok := tx.(*Overlay); ok {
		return getObject(o, key, v)
	}
	b, err := tx.Get(key)
	if err != nil || b == nil {
		return false, err
	}
	// Decoded apart and copied, so that v itself never escapes: a caller's
	// local stays on its stack.
	obj := new(T)
	if err := decode(b, obj); err != nil {
		return true, fmt.Errorf("document %s: %w", key, err)
	}
	*v = *obj
	return true, nil
}

// PutJSON stores v at key. On an Overlay it is encoded only when the batch
// commits; encoding/json sorts map keys, so equal views encode to equal
// bytes, which the rebuild comparison relies on.
func PutJSON[T any](tx Tx, key string, v T) error {
	if o, ok := tx.(*Overlay); ok {
		return putObject(o, key, v)
	}
	b, err := encode(v)
	if err != nil {
		return fmt.Errorf("document %s: %w", key, err)
	}
	tx.Put(key, b)
	return nil
}

// UpdateJSON reads the document at key (zero when there is none), lets
// change edit it and stores the result, as GetJSON and PutJSON would. On an
// Overlay the edited copy is the one staged, so an update costs one copy
// of the document, not three: folds update their facts on every event.
func UpdateJSON[T any](tx Tx, key string, change func(*T)) error {
	if o, ok := tx.(*Overlay); ok {
		return updateObject(o, key, change)
	}
	v := new(T)
	if _, err := GetJSON(tx, key, v); err != nil {
		return err
	}
	change(v)
	return PutJSON(tx, key, *v)
}

// Defer asks for render to run once the batch's events are all applied,
// instead of now: a view whose served document is a function of its folded
// facts marks the document for rendering on every event that changes those
// facts, and it is rendered once per batch, not once per event. key names
// the render (the served document's key); marking it again in the same
// batch adds nothing, since render reads the batch's final facts. A render
// must write only documents no fold reads, and read none that another
// render writes: a rebuild runs the renders it held on several goroutines,
// in no set order (Overlay.Fork). On a Tx other than an Overlay, render
// runs at once.
func Defer(tx Tx, key string, render func(tx Tx) error) error {
	if o, ok := tx.(*Overlay); ok {
		o.deferRender(key, render)
		return nil
	}
	if err := render(tx); err != nil {
		return fmt.Errorf("render %s: %w", key, err)
	}
	return nil
}

// RenderKey is the key of family's batch-wide render for tenant, for
// Gather: made once per family and tenant, since a family gathers on
// every event and building it each time was a few percent of a rebuild.
func RenderKey(family, tenant string) string {
	k := [2]string{family, tenant}
	renderKeys.RLock()
	key, ok := renderKeys.m[k]
	renderKeys.RUnlock()
	if ok {
		return key
	}
	renderKeys.Lock()
	defer renderKeys.Unlock()
	if renderKeys.m == nil {
		renderKeys.m = map[[2]string]string{}
	}
	key = "renders/" + family + "/" + tenant
	renderKeys.m[k] = key
	return key
}

// renderKeys holds the keys RenderKey made: a few per organiser.
var renderKeys struct {
	sync.RWMutex
	m map[[2]string]string
}

// Union adds the set from to *into, taking from itself when *into is
// nil: what a Gather's add does with one event's marks, which are not used
// once added.
func Union[K comparable](into *map[K]bool, from map[K]bool) {
	if *into == nil {
		*into = from
		return
	}
	maps.Copy(*into, from)
}

// Gather is Defer for a render that needs to know what the batch's events
// changed, not only the facts they left: each event adds what it changed
// (add, given the value gathered so far in the batch) and render runs once,
// after the batch, with all of it. A view that works out from each event
// which served documents it changed can so work it out once per batch (or,
// when renders are held, once per rebuild) from the batch's final facts.
// key names the render, as in Defer, and one Gather of one type. What add
// collected stays when the event is rolled back, as a deferred render does:
// render must be correct for any superset of what the kept events changed.
// On a Tx other than an Overlay, render runs at once with what add gave.
func Gather[T any](tx Tx, key string, add func(v *T), render func(tx Tx, v *T) error) error {
	if o, ok := tx.(*Overlay); ok {
		got, found := o.gathered[key]
		if !found {
			v := new(T)
			o.deferGathered(key, v, func(tx Tx) error { return render(tx, v) })
			got = v
		}
		v, ok := got.(*T)
		if !ok {
			return fmt.Errorf("render %s: gathered as another type", key)
		}
		add(v)
		return nil
	}
	v := new(T)
	add(v)
	if err := render(tx, v); err != nil {
		return fmt.Errorf("render %s: %w", key, err)
	}
	return nil
}
