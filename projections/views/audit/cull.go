package audit

import (
	"fmt"
	"maps"
	"slices"
	"sort"

	"github.com/iup-platform/iup/eventstore"
	"github.com/iup-platform/iup/projections"
)

// CullStudent blanks every text of a student's content that the view holds:
// in the student's trail, in the actor trails that copied those entries, and
// in the previous values of the student's streams; entries whose event
// carried the student's personal content become culled. Afterwards the view
// equals a rebuild from the log with the student's events culled.
//
// It is for the live culling event (privacy.student-culled, to come): its
// case in Apply calls CullStudent(tx, tenant, studentID) and then records
// the event itself like any other. Applying it twice changes nothing.
func CullStudent(tx projections.Tx, tenant, student string) error {
	own, err := openTrail(tx, StudentKey(tenant, student))
	if err != nil {
		return err
	}
	var pd personalDoc
	if _, err := projections.GetJSON(tx, personalKey(tenant, student), &pd); err != nil {
		return err
	}
	personal := map[int]bool{}
	for _, i := range pd.Entries {
		personal[i] = true
	}
	actors := map[string]*trail{}
	for i := range own.head.Count {
		e, err := own.cull(i, personal[i])
		if err != nil {
			return err
		}
		if e.ActorID == "" {
			continue
		}
		a, ok := actors[e.ActorID]
		if !ok {
			if a, err = openTrail(tx, ActorKey(tenant, e.ActorID)); err != nil {
				return err
			}
			actors[e.ActorID] = a
		}
		j, err := a.find(e.Position)
		if err != nil {
			return err
		}
		if _, err := a.cull(j, personal[i]); err != nil {
			return err
		}
	}
	if err := own.write(); err != nil {
		return err
	}
	for _, id := range slices.Sorted(maps.Keys(actors)) {
		if err := actors[id].write(); err != nil {
			return err
		}
	}
	return cullPrevious(tx, tenant, student)
}

// cullEntry drops an entry's texts; personal marks it culled.
func cullEntry(e *Entry, personal bool) {
	e.Before, e.After, e.Reason = blank(e.Before), blank(e.After), ""
	if personal {
		e.Culled = true
	}
}

// trail is one trail as a cull reads and changes it. Its head and the pages
// it reads are copies: what GetJSON reads shares its arrays with the cached
// documents, which a rollback restores.
type trail struct {
	tx      projections.Tx
	key     string
	head    Head
	pages   map[int]*PageDoc
	changed map[int]bool // pages changed; -1 is the head
}

func openTrail(tx projections.Tx, key string) (*trail, error) {
	t := &trail{tx: tx, key: key, pages: map[int]*PageDoc{}, changed: map[int]bool{}}
	if _, err := projections.GetJSON(tx, key, &t.head); err != nil {
		return nil, err
	}
	t.head.Tail = slices.Clone(t.head.Tail)
	if err := t.head.check(key); err != nil {
		return nil, err
	}
	return t, nil
}

// at returns the i-th entry and the page it is on (-1: the head's tail).
func (t *trail) at(i int) (*Entry, int, error) {
	n := i / PageSize
	if n >= t.head.full() {
		return &t.head.Tail[i-n*PageSize], -1, nil
	}
	p, ok := t.pages[n]
	if !ok {
		p = &PageDoc{}
		key := pageKey(t.key, n)
		if _, err := projections.GetJSON(t.tx, key, p); err != nil {
			return nil, 0, err
		}
		if len(p.Entries) != PageSize {
			return nil, 0, fmt.Errorf("audit: full page %s has %d entries", key, len(p.Entries))
		}
		p.Entries = slices.Clone(p.Entries)
		t.pages[n] = p
	}
	return &p.Entries[i%PageSize], n, nil
}

// cull culls the i-th entry and returns it.
func (t *trail) cull(i int, personal bool) (*Entry, error) {
	e, n, err := t.at(i)
	if err != nil {
		return nil, err
	}
	cullEntry(e, personal)
	t.changed[n] = true
	return e, nil
}

// find returns the index of the entry at position: an actor's trail is
// in the order of the log, so a cull reads a few of its pages, not all.
func (t *trail) find(position string) (int, error) {
	want, err := eventstore.ParsePosition(position)
	if err != nil {
		return 0, fmt.Errorf("audit: %w", err)
	}
	var failed error
	i := sort.Search(t.head.Count, func(i int) bool {
		e, _, err := t.at(i)
		if err != nil {
			failed = err
			return true
		}
		p, err := eventstore.ParsePosition(e.Position)
		if err != nil {
			failed = fmt.Errorf("audit: %s: %w", t.key, err)
			return true
		}
		return !p.Before(want)
	})
	if failed != nil {
		return 0, failed
	}
	if i < t.head.Count {
		if e, _, err := t.at(i); err != nil || e.Position == position {
			return i, err
		}
	}
	// Were the copy missing, the cull would leave its texts in view.
	return 0, fmt.Errorf("audit: %s has no entry at %s", t.key, position)
}

// write stores what the cull changed.
func (t *trail) write() error {
	for _, n := range slices.Sorted(maps.Keys(t.changed)) {
		var err error
		if n < 0 {
			err = projections.PutJSON(t.tx, t.key, t.head)
		} else {
			err = projections.PutJSON(t.tx, pageKey(t.key, n), *t.pages[n])
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func cullPrevious(tx projections.Tx, tenant, student string) error {
	var d streamsDoc
	if _, err := projections.GetJSON(tx, streamsKey(tenant, student), &d); err != nil {
		return err
	}
	for _, stream := range d.Streams {
		var prev prevDoc
		found, err := projections.GetJSON(tx, prevKey(tenant, stream), &prev)
		if err != nil {
			return err
		}
		if !found {
			continue
		}
		prev.Fields = slices.Clone(prev.Fields)
		blankAll(&prev)
		if err := projections.PutJSON(tx, prevKey(tenant, stream), prev); err != nil {
			return err
		}
	}
	return nil
}
