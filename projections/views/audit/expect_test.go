package audit

import "slices"

// expect assembles an expected view: the test names, per event, the entry
// and which trails it lands in; expect pages them and notes the personal
// entries of each student.
type expect struct {
	docs     map[string]any
	trails   map[[2]string][]Entry
	personal map[string][]int
}

func newExpect() *expect {
	return &expect{docs: map[string]any{}, trails: map[[2]string][]Entry{}, personal: map[string][]int{}}
}

// add appends e to a trail and returns its index there.
func (x *expect) add(kind, id string, e Entry) int {
	k := [2]string{kind, id}
	x.trails[k] = append(x.trails[k], e)
	return len(x.trails[k]) - 1
}

// entry puts e in its actor's trail, the course trail when course is set,
// and each student's trail (with student_id set to that student).
func (x *expect) entry(e Entry, personal bool, course string, students ...string) {
	if e.ActorID != "" {
		x.add(KindActor, e.ActorID, e)
	}
	if course != "" {
		x.add(KindCourse, course, e)
	}
	for _, st := range students {
		se := e
		se.StudentID, se.StudentIDs = st, nil
		i := x.add(KindStudent, st, se)
		if personal {
			x.personal[st] = append(x.personal[st], i)
		}
	}
}

// trailDocs is a trail of entries as stored: its full pages, and its head
// with the count and the rest.
func trailDocs(out map[string]any, kind, id string, es []Entry) {
	full := len(es) / PageSize
	for n := range full {
		out[PageKey(tenant, kind, id, n)] = PageDoc{Entries: slices.Clone(es[n*PageSize : (n+1)*PageSize])}
	}
	out[Key(tenant, kind, id)] = Head{Count: len(es), Tail: slices.Clone(es[full*PageSize:])}
}

func (x *expect) view() map[string]any {
	out := map[string]any{}
	for k, v := range x.docs {
		out[k] = v
	}
	for k, es := range x.trails {
		trailDocs(out, k[0], k[1], es)
	}
	for st, is := range x.personal {
		out[personalKey(tenant, st)] = personalDoc{Entries: slices.Clone(is)}
	}
	return out
}

// prevOf is the previous-values document holding fields.
func prevOf(fields map[string]Value) prevDoc {
	var d prevDoc
	for f, v := range fields {
		d.set(f, v)
	}
	return d
}
