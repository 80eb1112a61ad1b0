package audit

import (
	"fmt"
	"slices"
	"time"

	"github.com/iup-platform/iup/domain/assessment"
	"github.com/iup-platform/iup/projections"
)

// apply records one event in the trails it belongs to.
func apply(tx projections.Tx, ev projections.Event) error {
	t := ev.Actor.Tenant
	if t == "" {
		return fmt.Errorf("audit: event %s at %s has no tenant", ev.Event.EventType(), ev.Position)
	}
	c := describe(ev.Event)
	if rc, ok := ev.Event.(assessment.RoundCreated); ok {
		if err := projections.PutJSON(tx, roundKey(t, rc.RoundID), roundDoc{CourseID: rc.CourseID}); err != nil {
			return err
		}
	}
	if c.course == "" && c.round != "" {
		var r roundDoc
		if _, err := projections.GetJSON(tx, roundKey(t, c.round), &r); err != nil {
			return err
		}
		c.course = r.CourseID
	}
	base := baseEntry(ev, c)
	if c.many {
		base.StudentIDs = slices.Clone(c.students)
		slices.Sort(base.StudentIDs)
	} else if len(c.students) == 1 {
		base.StudentID = c.students[0]
	}
	if err := beforeAfter(tx, t, ev, c, &base); err != nil {
		return err
	}
	if ev.Actor.ID != "" {
		if _, err := appendEntry(tx, t, KindActor, ev.Actor.ID, base); err != nil {
			return err
		}
	}
	if c.courseTrail && c.course != "" {
		if _, err := appendEntry(tx, t, KindCourse, c.course, base); err != nil {
			return err
		}
	}
	// The event carried personal content of its data subject: a cull of
	// that subject marks this entry culled, as a rebuild from the culled
	// log would.
	personal := len(c.students) > 0 && (ev.Culled || hasPersonal(ev.Event))
	for _, student := range c.students {
		e := base
		e.StudentID, e.StudentIDs = student, nil
		if err := appendStudent(tx, t, student, e, personal); err != nil {
			return err
		}
	}
	return nil
}

func baseEntry(ev projections.Event, c change) Entry {
	obo := ev.Actor.OnBehalfOf
	if obo == "" {
		obo = c.onBehalfOf
	}
	e := Entry{
		Position:   ev.Position.String(),
		RecordedAt: ev.RecordedAt.UTC().Format(time.RFC3339),
		Type:       ev.Event.EventType(),
		Stream:     ev.Stream,
		Revision:   ev.Revision,
		ActorID:    ev.Actor.ID,
		Role:       ev.Actor.Role,
		OnBehalfOf: obo,
		CourseID:   c.course,
		RoundID:    c.round,
		PlanID:     c.plan,
		What:       c.what,
		Amendment:  c.amendment,
		Reason:     c.reason,
		Sensitive:  c.sensitive,
		Culled:     ev.Culled,
	}
	if ev.Culled {
		e.Reason = ""
	}
	return e
}

// beforeAfter fills the entry's before and after from the stream's previous
// values, and records the new ones.
func beforeAfter(tx projections.Tx, t string, ev projections.Event, c change, e *Entry) error {
	if c.field == "" && len(c.clears) == 0 {
		return nil
	}
	err := projections.UpdateJSON(tx, prevKey(t, ev.Stream), func(prev *prevDoc) {
		// A copy: the list read is the cached document's, which a
		// rollback of this event restores, so a retry must find it as
		// it was.
		prev.Fields = slices.Clone(prev.Fields)
		ref := Value{Stream: ev.Stream, Revision: ev.Revision}
		if c.field != "" {
			if i, ok := prev.find(c.field); ok {
				b := prev.Fields[i].Value
				e.Before = &b
			}
			after := c.after
			after.Stream, after.Revision = ev.Stream, ev.Revision
			e.After = &after
			prev.set(c.field, after)
		}
		for _, f := range c.clears {
			prev.set(f, ref)
		}
		if ev.Culled {
			// No text of a culled event, nor any it followed, stays in
			// view.
			e.Before, e.After = blank(e.Before), blank(e.After)
			blankAll(prev)
		}
	})
	if err != nil {
		return err
	}
	for _, s := range c.students {
		if err := addStream(tx, t, s, ev.Stream); err != nil {
			return err
		}
	}
	return nil
}

// blankAll drops the texts of every previous value in d, which must be d's
// own copy.
func blankAll(d *prevDoc) {
	for i := range d.Fields {
		d.Fields[i].Value = *blank(&d.Fields[i].Value)
	}
}

// blank drops the texts of v, keeping its reference and level.
func blank(v *Value) *Value {
	if v == nil {
		return nil
	}
	out := *v
	out.Text, out.Texts = "", nil
	return &out
}

func addStream(tx projections.Tx, t, student, stream string) error {
	var d streamsDoc
	key := streamsKey(t, student)
	if _, err := projections.GetJSON(tx, key, &d); err != nil {
		return err
	}
	i, found := slices.BinarySearch(d.Streams, stream)
	if found {
		return nil
	}
	d.Streams = slices.Insert(slices.Clip(d.Streams), i, stream) // a new array: see staff.addSorted
	return projections.PutJSON(tx, key, d)
}

// appendEntry adds e at the end of a trail and returns its index in it.
// The entry goes to the head's tail; a tail grown to a full page is stored
// as that page, once.
func appendEntry(tx projections.Tx, t, kind, id string, e Entry) (index int, err error) {
	head := Key(t, kind, id)
	var full []Entry
	var broken error
	err = projections.UpdateJSON(tx, head, func(h *Head) {
		if broken = h.check(head); broken != nil {
			return
		}
		if n := len(h.Tail); n == cap(h.Tail) {
			// A tail grows to PageSize entries and no further, and most
			// of a guardian's or a student's trail fits in a few: grown
			// from four, doubled, and capped at a page, where append's
			// own growth went to 64 and copied a full page on the way.
			// Growing within capacity is safe: the cached document
			// (which a rollback restores) sees only its own length.
			grown := make([]Entry, n, min(PageSize, max(4, 2*n)))
			copy(grown, h.Tail)
			h.Tail = grown
		}
		h.Tail = append(h.Tail, e)
		index = h.Count
		h.Count++
		if len(h.Tail) == PageSize {
			full, h.Tail = h.Tail, nil
		}
	})
	if err == nil {
		err = broken
	}
	if err != nil {
		return 0, err
	}
	if full != nil {
		if err := projections.PutJSON(tx, pageKey(head, index/PageSize), PageDoc{Entries: full}); err != nil {
			return 0, err
		}
	}
	return index, nil
}

// appendStudent adds e to the student's trail, noting it when its event
// carried the student's personal content.
func appendStudent(tx projections.Tx, t, student string, e Entry, personal bool) error {
	index, err := appendEntry(tx, t, KindStudent, student, e)
	if err != nil || !personal {
		return err
	}
	return projections.UpdateJSON(tx, personalKey(t, student), func(d *personalDoc) {
		d.Entries = append(d.Entries, index) // safe in place, as a head's tail
	})
}
