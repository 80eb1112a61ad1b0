package projections

import (
	"bytes"
	"fmt"
	"reflect"
	"slices"
)

// Overlay is a projection's working set of documents: it stages writes over
// a base reader (the read-model store) and keeps documents decoded across
// events and batches, so a view that touches a document on every event pays
// a copy per event and one encoding per batch, not a decode and an encode
// per event. Writes of one event are journaled so a failing event can be
// rolled back alone.
type Overlay struct {
	base    func(key string) ([]byte, error)
	entries map[string]*doc
	dirty   []staged // entries with unwritten changes, in first-touched order
	// journal holds, for each write of the event being applied, the
	// entry it replaced (nil: none), oldest first. A slice, not a map:
	// a rebuild begins and commits an event some forty thousand times a
	// sample school's year, and clearing a map costs its largest size
	// ever, which one enrolment of a whole year group set for good.
	journal []replaced
	inEvent bool
	mark    int             // len(dirty) at Begin
	renders []deferred      // renders asked for by Defer, in first-asked order
	pending map[string]bool // keys of the renders not yet run
	// gathered holds, by render key, what Gather has collected for a
	// render not yet run.
	gathered map[string]any
	// MaxClean bounds how many clean (written) documents stay cached.
	MaxClean int
	// MaxIdle is how many batches a clean document may stay cached unused:
	// a document no event touched for that long (a full page of an
	// append-only trail, a school year's closed round) is dropped and read
	// from the store again if ever needed. Without it the cache kept every
	// document a view had ever touched, up to MaxClean, so memory grew
	// with the history, not with the working set. 0 keeps them.
	MaxIdle int
	// HoldRenders keeps deferred renders pending across batches: Changes
	// then encodes only what the folds staged, and RenderPending runs the
	// renders. A rebuild holds them (its namespace is served only once it
	// has caught up): rendered at every batch, a served document was
	// rendered, encoded and written again at the next one. Renders are
	// functions of the facts, so rendering once at the end gives the same
	// bytes.
	HoldRenders bool
	// DropWritten makes Written let the documents it marks go instead of
	// keeping them: a rebuild's held renders write served documents that
	// nothing reads before the switch, and kept, a municipality's lots of
	// them (decoded and encoded) took gigabytes.
	DropWritten bool
	// Dropped, when set, is told of each document the overlay lets go
	// once written (or read): its bytes; or, deleted, that the key holds
	// nothing; or, neither, that it exists with bytes the overlay never
	// made (written unencoded). A rebuild's cache keeps what the overlay
	// lets go, instead of a copy of every write.
	Dropped func(key string, raw []byte, deleted bool)
	batch   uint64 // batches written so far
	// local and many, when set (SetFetch), let RenderPending read what a
	// lot of renders needs in a few calls to the store, not one a document.
	local func(key string) ([]byte, bool)
	many  func(keys []string) ([][]byte, error)
	probe *probe // while a lot's renders are probed
	// parent, for a Fork, is the overlay it reads through; wrote holds
	// the keys the fork has written (true: deleted), whose parent entries
	// are stale.
	parent *Overlay
	wrote  map[string]bool
}

// probe notes the keys a lot's renders asked for that only the store can
// answer, and whether the render running now asked for one.
type probe struct {
	missed  []string
	seen    map[string]bool
	tainted bool
}

// probeRounds bounds how often a lot's renders are probed: a render whose
// reads depend on what it read (a student's facts naming their courses)
// learns one level of keys a round. Those still missing after are read
// one at a time.
const probeRounds = 4

// fetchKeys is the most keys asked of the store in one call.
const fetchKeys = 1000

// SetFetch lets RenderPending read the documents its renders need in few
// calls: local answers a key from memory (false: only the store can), many
// reads keys from the store in one call. A lot's renders first run
// probing: a key only the store has reads as absent and is noted, and the
// render's writes are rolled back; the noted keys are then read together
// and those renders run again. Renders are functions of the documents they
// read, so a render that read nothing missing wrote what it would have,
// and a rolled-back one runs again on the same documents. A rebuild's held
// renders read each student's facts once at its end; one round trip each
// was most of the time of a municipality's renders.
func (o *Overlay) SetFetch(local func(key string) ([]byte, bool), many func(keys []string) ([][]byte, error)) {
	o.local, o.many = local, many
}

// doc is one cached document: its bytes, its decoded object, or both.
type doc struct {
	raw     []byte // nil with obj set: not yet encoded
	obj     any    // pointer to a decoded value, or nil
	deleted bool
	dirty   bool
	// stored is what the store holds at this key as far as the overlay
	// knows (written or read, not yet changed in this batch); known says
	// whether it knows. A change that encodes to the same bytes is dropped.
	stored []byte
	known  bool
	used   uint64 // the batch that last read or wrote it
}

// encoded returns the document's bytes, encoding its object first if no
// bytes are kept.
func (d *doc) encoded(key string) ([]byte, error) {
	if d.raw == nil && d.obj != nil {
		b, err := encode(d.obj)
		if err != nil {
			return nil, fmt.Errorf("document %s: %w", key, err)
		}
		d.raw = b
	}
	return d.raw, nil
}

// staged is an entry with unwritten changes. The entry is kept with its
// key: while it is dirty it stays the key's, and the batch's end looked
// every one of them up again.
type staged struct {
	key string
	d   *doc
}

// deferred is a render Defer postponed to the end of the batch.
type deferred struct {
	key    string
	render func(Tx) error
}

// DefaultMaxIdle is the overlay's MaxIdle unless changed: live, one batch is
// a bus message (a few events, or one), so a document touched every few
// seconds under load stays; a rebuild's batches are thousands of events.
const DefaultMaxIdle = 64

// NewOverlay returns an overlay reading missing keys from base.
func NewOverlay(base func(key string) ([]byte, error)) *Overlay {
	return &Overlay{base: base, entries: map[string]*doc{}, pending: map[string]bool{}, MaxClean: 100_000, MaxIdle: DefaultMaxIdle}
}

// replaced is one journaled write: the entry at key before it, by value,
// since a write changes the entry in place (nil at: there was none).
type replaced struct {
	key  string
	at   *doc
	prev doc
}

// Begin starts journaling one event's writes.
func (o *Overlay) Begin() {
	o.inEvent = true
	o.mark = len(o.dirty)
	o.forget()
}

// Commit keeps the event's writes.
func (o *Overlay) Commit() { o.inEvent = false; o.forget() }

// forget empties the journal, letting go of the entries it held.
func (o *Overlay) forget() {
	clear(o.journal)
	o.journal = o.journal[:0]
}

// Rollback undoes the writes since Begin.
func (o *Overlay) Rollback() {
	// Newest first, so a key written twice ends as its first write found it.
	for _, r := range slices.Backward(o.journal) {
		if r.at == nil {
			delete(o.entries, r.key)
		} else {
			*r.at = r.prev
			o.entries[r.key] = r.at
		}
	}
	// The keys the event made dirty are at the end, and clean again (a
	// later write lists them again).
	clear(o.dirty[o.mark:])
	o.dirty = o.dirty[:o.mark]
	o.inEvent = false
	o.forget()
}

// set writes the entry at key (raw bytes, a decoded object, or a
// deletion), journaling what it was. An existing entry is changed in
// place: a fold writes a document it has just read on nearly every event,
// and a fresh entry each time was a tenth of what a rebuild allocated.
func (o *Overlay) set(key string, raw []byte, obj any, deleted bool) {
	o.setEntry(key, o.entries[key], raw, obj, deleted)
}

// setEntry is set with the entry at key already looked up (nil: none).
func (o *Overlay) setEntry(key string, d *doc, raw []byte, obj any, deleted bool) {
	had := d != nil
	if o.inEvent {
		r := replaced{key: key}
		if had {
			r.at, r.prev = d, *d
		}
		o.journal = append(o.journal, r)
	}
	switch {
	case !had:
		d = &doc{}
		o.entries[key] = d
		o.dirty = append(o.dirty, staged{key, d})
	case !d.dirty:
		o.dirty = append(o.dirty, staged{key, d})
		if d.raw != nil || d.deleted {
			d.stored, d.known = d.raw, true // clean: its bytes are the store's
		} else {
			d.stored, d.known = nil, false
		}
	default:
		// Dirty already: stored and known say what the batch's first
		// write found.
	}
	d.raw, d.obj, d.deleted = raw, obj, deleted
	d.dirty = true
	d.used = o.batch
}

// Get implements Tx.
func (o *Overlay) Get(key string) ([]byte, error) {
	d, err := o.entry(key)
	if d == nil || err != nil || d.deleted {
		return nil, err
	}
	return d.encoded(key)
}

// entry returns the entry at key, reading the store when none is cached;
// nil when a probe found only the store could answer.
func (o *Overlay) entry(key string) (*doc, error) {
	if d, ok := o.entries[key]; ok {
		d.used = o.batch
		return d, nil
	}
	if o.parent != nil && !o.Wrote(key) {
		if pd, ok := o.parent.entries[key]; ok {
			// A copy of the entry, so the fork's writes and decodes stay
			// its own; the object is shared, and read only.
			d := &doc{raw: pd.raw, obj: pd.obj, deleted: pd.deleted, used: o.batch}
			o.entries[key] = d
			return d, nil
		}
	}
	if o.probe != nil {
		b, ok := o.local(key)
		if !ok {
			o.probe.tainted = true
			if !o.probe.seen[key] {
				o.probe.seen[key] = true
				o.probe.missed = append(o.probe.missed, key)
			}
			return nil, nil // not cached: the store may have it
		}
		return o.keepRead(key, b), nil
	}
	b, err := o.base(key)
	if err != nil {
		return nil, err
	}
	return o.keepRead(key, b), nil
}

// keepRead caches what the store holds at key (nil: nothing).
func (o *Overlay) keepRead(key string, b []byte) *doc {
	d := &doc{raw: b, deleted: b == nil, used: o.batch}
	o.entries[key] = d
	return d
}

// Put implements Tx.
func (o *Overlay) Put(key string, value []byte) {
	o.set(key, append([]byte(nil), value...), nil, false)
}

// Delete implements Tx.
func (o *Overlay) Delete(key string) { o.set(key, nil, nil, true) }

// getObject copies the document at key into v, decoding it only when the
// cache holds no object of v's type. Generic, not reflective: a typed copy
// and no boxing of v, which a rebuild does for every fact it reads.
func getObject[T any](o *Overlay, key string, v *T) (bool, error) {
	if v == nil {
		return false, fmt.Errorf("document %s: GetJSON needs a non-nil pointer", key)
	}
	d, err := o.entry(key)
	if d == nil || err != nil {
		return false, err // nil: a probe's miss
	}
	return copyObject(d, key, v)
}

// copyObject copies the entry's document into v, as getObject.
func copyObject[T any](d *doc, key string, v *T) (bool, error) {
	if d.deleted {
		return false, nil
	}
	obj, same := d.obj.(*T)
	if !same {
		raw, err := d.encoded(key) // an object of another type first
		if err != nil {
			return true, err
		}
		obj = new(T)
		if err := decode(raw, obj); err != nil {
			return true, fmt.Errorf("document %s: %w", key, err)
		}
		d.obj = obj
	}
	*v = *obj
	return true, nil
}

// putObject stages a copy of v at key, encoded when the batch commits.
// A pointer is followed, in an interface too: what is staged is a copy of
// what it points to, so the caller's later changes do not reach the
// staged document.
func putObject[T any](o *Overlay, key string, v T) error {
	if k := reflect.TypeFor[T]().Kind(); k == reflect.Pointer || k == reflect.Interface {
		rv := reflect.ValueOf(v)
		if rv.Kind() == reflect.Pointer {
			if rv.IsNil() {
				return fmt.Errorf("document %s: PutJSON of a nil pointer", key)
			}
			rv = rv.Elem()
		}
		if !rv.IsValid() {
			return fmt.Errorf("document %s: PutJSON of nil", key)
		}
		if k := rv.Kind(); k == reflect.Func || k == reflect.Chan {
			return fmt.Errorf("document %s: %s cannot be stored", key, rv.Type())
		}
		obj := reflect.New(rv.Type())
		obj.Elem().Set(rv)
		o.set(key, nil, obj.Interface(), false)
		return nil
	}
	obj := new(T)
	*obj = v
	return putOwned(o, key, obj)
}

// putOwned stages obj itself at key: the caller hands it over and keeps
// no reference it could change it through.
func putOwned[T any](o *Overlay, key string, obj *T) error {
	if err := storable[T](key); err != nil {
		return err
	}
	o.set(key, nil, obj, false)
	return nil
}

// storable rejects what cannot be encoded now, not at commit.
func storable[T any](key string) error {
	if t := reflect.TypeFor[T](); t.Kind() == reflect.Func || t.Kind() == reflect.Chan {
		return fmt.Errorf("document %s: %s cannot be stored", key, t)
	}
	return nil
}

// updateObject is UpdateJSON on an overlay: the entry is looked up once
// for the read and the write.
func updateObject[T any](o *Overlay, key string, change func(*T)) error {
	if err := storable[T](key); err != nil {
		return err
	}
	v := new(T)
	d, err := o.entry(key)
	if err != nil {
		return err
	}
	if d != nil {
		if _, err := copyObject(d, key, v); err != nil {
			return err
		}
	}
	change(v)
	o.setEntry(key, d, nil, v, false)
	return nil
}

// deferGathered defers render at key, noting v as what Gather collects
// for it until it runs.
func (o *Overlay) deferGathered(key string, v any, render func(Tx) error) {
	if o.gathered == nil {
		o.gathered = map[string]any{}
	}
	o.gathered[key] = v
	o.deferRender(key, render)
}

func (o *Overlay) deferRender(key string, render func(Tx) error) {
	if _, ok := o.pending[key]; ok {
		return
	}
	o.pending[key] = true
	o.renders = append(o.renders, deferred{key: key, render: render})
}

// Renders are deferred renders taken out of an overlay (TakeRenders), to
// be run by forks of it (Fork, Run).
type Renders []deferred

// TakeRenders removes the pending renders from o and returns them, in the
// order they were first asked for.
func (o *Overlay) TakeRenders() Renders {
	rs := o.renders
	o.renders = nil
	clear(o.pending)
	clear(o.gathered)
	return rs
}

// Fork returns an overlay to run renders taken from o on another
// goroutine while o stands still: several forks render a rebuild's held
// renders at once, where one goroutine rendered them alone at the end of
// the pass with the other cores idle. A fork reads o's documents without
// changing them (it takes a copy of the entry and shares the decoded
// object, read only), reads what o lacks through base, local and many
// (see NewOverlay and SetFetch), which must be safe for concurrent use,
// and stages what it writes itself, with o's HoldRenders and DropWritten;
// a key it has written it never reads from o again. Renders run on forks
// in no set order among them, so a render must not read what another
// render writes (Defer). o must not change until its forks are done.
func (o *Overlay) Fork(base func(key string) ([]byte, error), local func(key string) ([]byte, bool), many func(keys []string) ([][]byte, error)) *Overlay {
	f := NewOverlay(base)
	f.parent, f.wrote = o, map[string]bool{}
	f.MaxClean, f.MaxIdle = o.MaxClean, o.MaxIdle
	f.HoldRenders, f.DropWritten = o.HoldRenders, o.DropWritten
	f.SetFetch(local, many)
	return f
}

// Wrote reports whether the fork o has written key (Written): the store
// has it, and o's parent and its cache may hold what was there before.
func (o *Overlay) Wrote(key string) bool {
	_, ok := o.wrote[key]
	return ok
}

// Join takes in what fork f wrote, once it is done: o forgets its own
// entries of those keys, stale now, and tells Dropped that the store has
// bytes for them it never made (or nothing, for a deletion).
func (o *Overlay) Join(f *Overlay) {
	for k, deleted := range f.wrote {
		delete(o.entries, k)
		if o.Dropped != nil {
			o.Dropped(k, nil, deleted)
		}
	}
}

// Run runs rs on o, probing as RenderPending does, and then the renders
// they ask for, and stages what they write.
func (o *Overlay) Run(rs Renders) error {
	if err := o.renderLot(rs); err != nil {
		return err
	}
	return o.RenderPending(0)
}

// Pending is the number of deferred renders not yet run.
func (o *Overlay) Pending() int { return len(o.renders) }

// RenderPending runs at most max deferred renders (every one when max <= 0,
// including those they ask for), in the order they were first asked for,
// and stages what they write. A render left over from an event that was
// rolled back only renders what the facts already say. After a failed
// render none stays pending: the batch fails and its overlay is dropped.
func (o *Overlay) RenderPending(max int) error {
	done := 0
	for done < len(o.renders) && (max <= 0 || done < max) {
		end := len(o.renders) // renders they ask for join at the end
		if max > 0 {
			end = min(end, max)
		}
		if err := o.renderLot(o.renders[done:end]); err != nil {
			clear(o.pending)
			clear(o.gathered)
			o.renders = o.renders[:0]
			return err
		}
		done = end
	}
	for _, d := range o.renders[:done] {
		delete(o.pending, d.key)
		delete(o.gathered, d.key)
	}
	o.renders = append(o.renders[:0], o.renders[done:]...)
	return nil
}

// renderLot runs renders, probing first when SetFetch was called.
func (o *Overlay) renderLot(lot []deferred) error {
	done := make([]bool, len(lot))
	if o.many != nil {
		for range probeRounds {
			missed, err := o.probeLot(lot, done)
			if err != nil || len(missed) == 0 {
				return err
			}
			if err := o.fetch(missed); err != nil {
				return err
			}
		}
	}
	for i, d := range lot {
		if done[i] {
			continue
		}
		if err := d.render(o); err != nil {
			return fmt.Errorf("render %s: %w", d.key, err)
		}
	}
	return nil
}

// probeLot runs the renders not yet done, each journaled: one that asked
// for a key only the store has is rolled back and left for later. It
// returns the keys they missed.
func (o *Overlay) probeLot(lot []deferred, done []bool) ([]string, error) {
	o.probe = &probe{seen: map[string]bool{}}
	defer func() { o.probe = nil }()
	for i, d := range lot {
		if done[i] {
			continue
		}
		o.probe.tainted = false
		o.Begin()
		err := d.render(o)
		if o.probe.tainted {
			o.Rollback() // it ran on a document read as absent
			continue
		}
		if err != nil {
			o.Rollback()
			return nil, fmt.Errorf("render %s: %w", d.key, err)
		}
		o.Commit()
		done[i] = true
	}
	return o.probe.missed, nil
}

// fetch reads keys from the store, fetchKeys a call, and caches them.
func (o *Overlay) fetch(keys []string) error {
	for len(keys) > 0 {
		n := min(len(keys), fetchKeys)
		vals, err := o.many(keys[:n])
		if err != nil {
			return err
		}
		for i, k := range keys[:n] {
			if _, ok := o.entries[k]; !ok { // a render may have written it since
				o.keepRead(k, vals[i])
			}
		}
		keys = keys[n:]
	}
	return nil
}

// Changes runs the deferred renders (unless HoldRenders), encodes the
// staged writes, in first-touched order, and marks them written: the
// documents stay cached for the next batch.
func (o *Overlay) Changes() ([]Change, error) {
	if err := o.renderUnlessHeld(); err != nil {
		return nil, err
	}
	out := make([]Change, 0, len(o.dirty))
	for _, s := range o.dirty {
		switch {
		case !s.isWrite():
		case s.d.deleted:
			out = append(out, Change{Key: s.key})
		default:
			b, err := s.d.encoded(s.key)
			if err != nil {
				return nil, err
			}
			if s.d.known && s.d.stored != nil && bytes.Equal(b, s.d.stored) {
				continue // rendered again, unchanged
			}
			out = append(out, Change{Key: s.key, Value: b})
		}
	}
	return out, nil
}

// renderUnlessHeld runs the deferred renders, unless HoldRenders.
func (o *Overlay) renderUnlessHeld() error {
	if o.HoldRenders {
		return nil
	}
	return o.RenderPending(0)
}

// isWrite reports whether a staged entry is a write for the store: not a
// deletion of what was never there.
func (s staged) isWrite() bool {
	return s.d.dirty && !(s.d.deleted && s.d.known && s.d.stored == nil)
}

// Unencoded is a staged write whose bytes are made later, by Encode,
// possibly on another goroutine: its document must not change after it
// was staged, which holds for what a render writes (built afresh, never
// written again before the switch).
type Unencoded struct {
	Key string
	d   doc // as staged
}

// Deleted reports whether the write removes its key.
func (u Unencoded) Deleted() bool { return u.d.deleted }

// Encode returns the write as a Change.
func (u Unencoded) Encode() (Change, error) {
	if u.d.deleted {
		return Change{Key: u.Key}, nil
	}
	b, err := u.d.encoded(u.Key)
	return Change{Key: u.Key, Value: b}, err
}

// StagedUnencoded is Changes for documents that are written and let go
// (DropWritten): it returns the staged writes without encoding them, so
// a rebuild's writer can encode the held renders' documents while the
// next lot renders. Unlike Changes it keeps a write that may equal what
// the store holds: those documents are new to a fresh namespace.
func (o *Overlay) StagedUnencoded() ([]Unencoded, error) {
	if !o.DropWritten {
		return nil, fmt.Errorf("overlay: StagedUnencoded needs DropWritten: a kept document may change after it is staged")
	}
	if err := o.renderUnlessHeld(); err != nil {
		return nil, err
	}
	out := make([]Unencoded, 0, len(o.dirty))
	for _, s := range o.dirty {
		if s.isWrite() {
			out = append(out, Unencoded{Key: s.key, d: *s.d})
		}
	}
	return out, nil
}

// Written marks every staged write as stored (after the batch committed) and
// trims the cache of clean documents: every MaxIdle batches it drops those
// unused for MaxIdle batches, and all of them when it has grown past
// MaxClean.
func (o *Overlay) Written() {
	for _, s := range o.dirty {
		if o.parent != nil {
			o.wrote[s.key] = s.d.deleted
		}
		if o.DropWritten {
			o.letGo(s.key, s.d)
			continue
		}
		// Its bytes are the store's now; the previous ones may go.
		s.d.dirty, s.d.stored, s.d.known = false, nil, false
	}
	clear(o.dirty)
	o.dirty = o.dirty[:0]
	o.batch++
	if len(o.entries) > o.MaxClean {
		o.evict(o.MaxClean * 3 / 4)
		return
	}
	if o.MaxIdle > 0 && o.batch%uint64(o.MaxIdle) == 0 {
		for k, d := range o.entries {
			if o.batch-d.used > uint64(o.MaxIdle) {
				o.letGo(k, d)
			}
		}
	}
}

// letGo drops key's entry, which is clean, telling Dropped.
func (o *Overlay) letGo(key string, d *doc) {
	delete(o.entries, key)
	if o.Dropped != nil {
		o.Dropped(key, d.raw, d.deleted)
	}
}

// evict drops the least recently used documents until at most keep are
// cached (all are clean: Written runs it). It used to drop all of them,
// so a view with more documents than MaxClean (a municipality's) read its
// whole working set from the store again after every batch; now the
// documents the last batches used stay. Going down to keep, below
// MaxClean, makes this sort run once per many batches, not every batch.
func (o *Overlay) evict(keep int) {
	if keep <= 0 {
		for k, d := range o.entries {
			o.letGo(k, d)
		}
		return
	}
	used := make([]uint64, 0, len(o.entries))
	for _, d := range o.entries {
		used = append(used, d.used)
	}
	slices.Sort(used)
	cut := used[len(used)-keep] // keep documents used at or after this batch
	for k, d := range o.entries {
		if d.used < cut {
			o.letGo(k, d)
		}
	}
	for k, d := range o.entries { // many used in the cut batch itself
		if len(o.entries) <= keep {
			break
		}
		if d.used == cut {
			o.letGo(k, d)
		}
	}
}

// Len is the number of keys with unwritten changes.
func (o *Overlay) Len() int { return len(o.dirty) }
