package audit

import (
	"maps"
	"slices"

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
	var h Head
	if _, err := projections.GetJSON(tx, StudentKey(tenant, student), &h); err != nil {
		return err
	}
	actorPages := map[string]*PageDoc{}
	for n := 0; n*PageSize < h.Count; n++ {
		var p PageDoc
		var s slotsDoc
		if _, err := projections.GetJSON(tx, PageKey(tenant, KindStudent, student, n), &p); err != nil {
			return err
		}
		if _, err := projections.GetJSON(tx, slotsKey(tenant, student, n), &s); err != nil {
			return err
		}
		// Copies, here and below: what GetJSON read shares its arrays and
		// maps with the cached documents, which a rollback restores.
		p.Entries = slices.Clone(p.Entries)
		for i := range p.Entries {
			var sl slot
			if i < len(s.Slots) {
				sl = s.Slots[i]
			}
			cullEntry(&p.Entries[i], sl.Personal)
			if sl.ActorPage == "" {
				continue
			}
			ap, ok := actorPages[sl.ActorPage]
			if !ok {
				ap = &PageDoc{}
				if _, err := projections.GetJSON(tx, sl.ActorPage, ap); err != nil {
					return err
				}
				ap.Entries = slices.Clone(ap.Entries)
				actorPages[sl.ActorPage] = ap
			}
			if sl.Index < len(ap.Entries) {
				cullEntry(&ap.Entries[sl.Index], sl.Personal)
			}
		}
		if err := projections.PutJSON(tx, PageKey(tenant, KindStudent, student, n), p); err != nil {
			return err
		}
	}
	keys := make([]string, 0, len(actorPages))
	for k := range actorPages {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if err := projections.PutJSON(tx, k, actorPages[k]); err != nil {
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

func cullPrevious(tx projections.Tx, tenant, student string) error {
	var d streamsDoc
	if _, err := projections.GetJSON(tx, streamsKey(tenant, student), &d); err != nil {
		return err
	}
	for _, stream := range d.Streams {
		var prev prevDoc
		found, err := projections.GetJSON(tx, prevKey(tenant, stream), &prev)
		if err != nil || !found {
			return err
		}
		prev.Fields = maps.Clone(prev.Fields)
		for k, v := range prev.Fields {
			prev.Fields[k] = *blank(&v)
		}
		if err := projections.PutJSON(tx, prevKey(tenant, stream), prev); err != nil {
			return err
		}
	}
	return nil
}
