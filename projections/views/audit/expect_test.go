package audit

import "slices"

// expect assembles an expected view: the test names, per event, the entry
// and which trails it lands in; expect pages them and keeps the slots.
type expect struct {
	docs   map[string]any
	trails map[[2]string][]Entry
	slots  map[string][]slot
}

func newExpect() *expect {
	return &expect{docs: map[string]any{}, trails: map[[2]string][]Entry{}, slots: map[string][]slot{}}
}

func (x *expect) add(kind, id string, e Entry) (page, index int) {
	k := [2]string{kind, id}
	x.trails[k] = append(x.trails[k], e)
	n := len(x.trails[k]) - 1
	return n / PageSize, n % PageSize
}

// entry puts e in its actor's trail, the course trail when course is set,
// and each student's trail (with student_id set to that student).
func (x *expect) entry(e Entry, personal bool, course string, students ...string) {
	s := slot{Personal: personal}
	if e.ActorID != "" {
		p, i := x.add(KindActor, e.ActorID, e)
		s.ActorPage, s.Index = PageKey(tenant, KindActor, e.ActorID, p), i
	}
	if course != "" {
		x.add(KindCourse, course, e)
	}
	for _, st := range students {
		se := e
		se.StudentID, se.StudentIDs = st, nil
		x.add(KindStudent, st, se)
		x.slots[st] = append(x.slots[st], s)
	}
}

func (x *expect) view() map[string]any {
	out := map[string]any{}
	for k, v := range x.docs {
		out[k] = v
	}
	for k, es := range x.trails {
		out[Key(tenant, k[0], k[1])] = Head{Count: len(es)}
		for n, chunk := 0, es; len(chunk) > 0; n++ {
			m := min(PageSize, len(chunk))
			out[PageKey(tenant, k[0], k[1], n)] = PageDoc{Entries: slices.Clone(chunk[:m])}
			chunk = chunk[m:]
		}
	}
	for st, ss := range x.slots {
		for n, chunk := 0, ss; len(chunk) > 0; n++ {
			m := min(PageSize, len(chunk))
			out[slotsKey(tenant, st, n)] = slotsDoc{Slots: slices.Clone(chunk[:m])}
			chunk = chunk[m:]
		}
	}
	return out
}
