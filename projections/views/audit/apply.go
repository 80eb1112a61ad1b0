package audit

import (
	"fmt"
	"maps"
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
	// The event carried personal content of its data subject: a cull of
	// that subject marks this entry culled, as a rebuild from the culled
	// log would.
	personal := ev.Culled || hasPersonal(ev.Event)
	var s slot
	if ev.Actor.ID != "" {
		page, _, idx, err := appendEntry(tx, t, KindActor, ev.Actor.ID, base)
		if err != nil {
			return err
		}
		s = slot{ActorPage: page, Index: idx}
	}
	s.Personal = personal
	if c.courseTrail && c.course != "" {
		if _, _, _, err := appendEntry(tx, t, KindCourse, c.course, base); err != nil {
			return err
		}
	}
	for _, student := range c.students {
		e := base
		e.StudentID, e.StudentIDs = student, nil
		if err := appendStudent(tx, t, student, e, s); err != nil {
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
		// A copy: the map read is the cached document's, which a
		// rollback of this event restores, so a retry must find it as
		// it was.
		prev.Fields = maps.Clone(prev.Fields)
		if prev.Fields == nil {
			prev.Fields = map[string]Value{}
		}
		ref := Value{Stream: ev.Stream, Revision: ev.Revision}
		if c.field != "" {
			if b, ok := prev.Fields[c.field]; ok {
				e.Before = &b
			}
			after := c.after
			after.Stream, after.Revision = ev.Stream, ev.Revision
			e.After = &after
			prev.Fields[c.field] = after
		}
		for _, f := range c.clears {
			prev.Fields[f] = ref
		}
		if ev.Culled {
			// No text of a culled event, nor any it followed, stays in
			// view.
			e.Before, e.After = blank(e.Before), blank(e.After)
			for k, v := range prev.Fields {
				prev.Fields[k] = *blank(&v)
			}
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

// appendEntry adds e at the end of a trail and returns its page's key,
// number and index within the page.
func appendEntry(tx projections.Tx, t, kind, id string, e Entry) (key string, page, index int, err error) {
	head := Key(t, kind, id)
	if err := projections.UpdateJSON(tx, head, func(h *Head) { page = h.Count / PageSize; h.Count++ }); err != nil {
		return "", 0, 0, err
	}
	key = pageKey(head, page)
	err = projections.UpdateJSON(tx, key, func(p *PageDoc) {
		if n := len(p.Entries); n == cap(p.Entries) {
			// A page grows to PageSize entries and no further, and most
			// of a guardian's or a student's trail fits in a few: grown
			// from four, doubled, and capped at a page, where append's
			// own growth went to 64 and copied a full page on the way.
			grown := make([]Entry, n, min(PageSize, max(4, 2*n)))
			copy(grown, p.Entries)
			p.Entries = grown
		}
		p.Entries = append(p.Entries, e)
		index = len(p.Entries) - 1
	})
	return key, page, index, err
}

// appendStudent adds e to the student's trail and its slot to the helper
// page parallel to it.
func appendStudent(tx projections.Tx, t, student string, e Entry, s slot) error {
	_, n, idx, err := appendEntry(tx, t, KindStudent, student, e)
	if err != nil {
		return err
	}
	var mismatch error
	err = projections.UpdateJSON(tx, slotsKey(t, student, n), func(d *slotsDoc) {
		if len(d.Slots) != idx {
			mismatch = fmt.Errorf("audit: helper page %d of a student trail has %d slots, want %d", n, len(d.Slots), idx)
			return
		}
		d.Slots = append(d.Slots, s)
	})
	if err != nil {
		return err
	}
	return mismatch
}
