package staff

import (
	"slices"

	"github.com/iup-platform/iup/domain"
	"github.com/iup-platform/iup/projections"
	"github.com/iup-platform/iup/projections/views/relations"
)

// reader reads relations and facts for one event's renders, each document
// once: a mentor's overview reads the same courses for many mentees.
type reader struct {
	tx       projections.Tx
	t        string
	students memo[relations.Student]
	facts    memo[studentFacts]
	courses  memo[relations.Course]
	byCourse memo[[]roundFact]
	years    memo[relations.SchoolYear]
}

func newReader(tx projections.Tx, t string) *reader { return &reader{tx: tx, t: t} }

// memo holds what a reader has read, by id. Most readers hold one or two
// of a kind (the student an event is about), so it is a short list
// searched in order, indexed once it grows: a map of each kind per event
// allocated its buckets of large values for one entry, a twentieth of a
// rebuild's allocation.
type memo[T any] struct {
	ids   []string
	vals  []T
	index map[string]int
}

const memoIndexAt = 16

func (m *memo[T]) get(id string) (T, bool) {
	if m.index != nil {
		if i, ok := m.index[id]; ok {
			return m.vals[i], true
		}
	} else if i := slices.Index(m.ids, id); i >= 0 {
		return m.vals[i], true
	}
	var zero T
	return zero, false
}

func (m *memo[T]) put(id string, v T) {
	m.ids, m.vals = append(m.ids, id), append(m.vals, v)
	switch {
	case m.index != nil:
		m.index[id] = len(m.ids) - 1
	case len(m.ids) > memoIndexAt:
		m.index = make(map[string]int, 2*len(m.ids))
		for i, k := range m.ids {
			m.index[k] = i
		}
	}
}

// cached reads id through m.
func cached[T any](m *memo[T], id string, read func() (T, error)) (T, error) {
	if v, ok := m.get(id); ok {
		return v, nil
	}
	v, err := read()
	if err == nil {
		m.put(id, v)
	}
	return v, err
}

func (r *reader) student(id string) (relations.Student, error) {
	return cached(&r.students, id, func() (relations.Student, error) { return r.readStudent(id) })
}

func (r *reader) studentFacts(id string) (studentFacts, error) {
	return cached(&r.facts, id, func() (studentFacts, error) { return r.readStudentFacts(id) })
}

// readStudent and readStudentFacts read without the reader's cache, for a
// render that reads each student once (a school's lists: caching every
// student of the school cost more than it saved).
func (r *reader) readStudent(id string) (relations.Student, error) {
	s, _, err := relations.Load[relations.Student](r.tx, relations.StudentKey(r.t, id))
	s.ID = id
	return s, err
}

func (r *reader) readStudentFacts(id string) (studentFacts, error) {
	return load[studentFacts](r.tx, studentKey(r.t, id))
}

func (r *reader) course(id string) (relations.Course, error) {
	return cached(&r.courses, id, func() (relations.Course, error) {
		c, _, err := relations.Load[relations.Course](r.tx, relations.CourseKey(r.t, id))
		c.ID = id
		return c, err
	})
}

// courseRounds returns the course's rounds of term, in creation order.
func (r *reader) courseRounds(courseID string, term domain.TermRef) ([]roundFact, error) {
	all, err := cached(&r.byCourse, courseID, func() ([]roundFact, error) {
		ids, err := load[courseRounds](r.tx, courseRoundsKey(r.t, courseID))
		if err != nil {
			return nil, err
		}
		var out []roundFact
		for _, id := range ids.Rounds {
			rf, err := load[roundFact](r.tx, roundKey(r.t, id))
			if err != nil {
				return nil, err
			}
			out = append(out, rf)
		}
		slices.SortStableFunc(out, func(a, b roundFact) int { return compareUint(a.Seq, b.Seq) })
		return out, nil
	})
	var in []roundFact
	for _, rf := range all {
		if rf.Term == term {
			in = append(in, rf)
		}
	}
	return in, err
}

// termDates returns a term's first and last day, when its school year is known.
func (r *reader) termDates(term domain.TermRef) (start, end domain.Date, ok bool, err error) {
	y, err := cached(&r.years, term.SchoolYear, func() (relations.SchoolYear, error) {
		y, _, err := relations.Load[relations.SchoolYear](r.tx, relations.SchoolYearKey(r.t, term.SchoolYear))
		return y, err
	})
	for _, tm := range y.Terms {
		if tm.Kind == term.Kind {
			return tm.Start, tm.End, true, err
		}
	}
	return start, end, false, err
}

// span is a term's dates; known is false when the school year is unknown,
// and then every relation counts as holding in the term.
type span struct {
	start, end domain.Date
	known      bool
}

func (r *reader) span(term domain.TermRef) (span, error) {
	s, e, ok, err := r.termDates(term)
	return span{s, e, ok}, err
}

func (s span) holds(from, to domain.Date) bool { return !s.known || overlaps(from, to, s.start, s.end) }

// inTerm reports whether course c runs in term.
func inTerm(c relations.Course, term domain.TermRef) bool {
	return slices.Contains(courseTerms(c.Term, c.WholeYear), term)
}

// enrolled returns whether student id is enrolled in c during the term,
// and the first such enrolment.
func enrolled(c relations.Course, id string, sp span) (Period, bool) {
	for _, p := range c.Students {
		if p.ID == id && sp.holds(p.From, p.To) {
			return Period{From: p.From, To: p.To}, true
		}
	}
	return Period{}, false
}

// index reads the tenant-wide index of terms, mentors and schools.
func (r *reader) index() (index, error) { return load[index](r.tx, indexKey(r.t)) }

// name is what a row may show of a student: nothing when the identity is
// protected.
func name(s relations.Student) (string, bool) {
	if s.Protected {
		return "", true
	}
	return s.Name, false
}

// put writes a served document, or deletes it when there is nothing to show.
func put(tx projections.Tx, key string, v any, show bool) error {
	if !show {
		if b, err := tx.Get(key); err != nil || b == nil {
			return err
		}
		tx.Delete(key)
		return nil
	}
	return projections.PutJSON(tx, key, v)
}

// target is one served document to render: an owner (mentor, course or
// school) and a term.
type target struct {
	id   string
	term domain.TermRef
}

// targets collects documents to render, deduplicated and sorted so the
// writes happen in the same order on every replay.
type targets map[target]bool

func (ts targets) add(id string, terms ...domain.TermRef) {
	for _, t := range terms {
		ts[target{id, t}] = true
	}
}

func (ts targets) sorted() []target {
	out := make([]target, 0, len(ts))
	for t := range ts {
		out = append(out, t)
	}
	slices.SortFunc(out, func(a, b target) int {
		if c := compareStrings(a.id, b.id); c != 0 {
			return c
		}
		return compareTerms(a.term, b.term)
	})
	return out
}

// termsOf returns the terms a dirty student's content touched, or all
// known terms when the student's roster facts changed.
func (d *dirty) termsOf(id string, all []domain.TermRef) []domain.TermRef {
	if d.people[id] {
		return all
	}
	var out []domain.TermRef
	for t := range d.work[id] {
		out = append(out, t)
	}
	return out
}

// studentIDs lists the dirty students, sorted. A batch's marks (a
// rebuild's: every student) are sorted once; added one by one in a new
// array each, as addSorted does, they cost the square of their number.
func (d *dirty) studentIDs() []string {
	ids := make([]string, 0, len(d.people)+len(d.work))
	for id := range d.people {
		ids = append(ids, id)
	}
	for id := range d.work {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return slices.Compact(ids)
}

func compareUint(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
