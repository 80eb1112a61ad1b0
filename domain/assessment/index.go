package assessment

import (
	"context"

	"github.com/iup-platform/iup/domain"
)

// EntryIndexed is recorded in a student's term index the first time an entry
// of that student is written in a round of that term. It carries ids only.
type EntryIndexed struct {
	StudentID string         `json:"student_id"`
	Term      domain.TermRef `json:"term"`
	RoundID   string         `json:"round_id"`
	CourseID  string         `json:"course_id"`
}

// EventType implements domain.Event.
func (EntryIndexed) EventType() string { return "assessment.student-term-entry-indexed" }

// IndexEntry records that the student has an entry in the round. The entry
// handlers issue it before the entry's first write, so an existing entry is
// always in the index; repeating it decides nothing.
type IndexEntry struct {
	domain.Meta
	StudentID string
	Term      domain.TermRef
	RoundID   string
	CourseID  string
}

// StudentTermState is the folded index: the student's rounds in the term, in
// the order they were first written.
type StudentTermState struct {
	Entries []EntryIndexed
}

// Has reports whether the round is already indexed.
func (s StudentTermState) Has(roundID string) bool {
	for _, e := range s.Entries {
		if e.RoundID == roundID {
			return true
		}
	}
	return false
}

// StudentTermDecider is the student-term index aggregate.
var StudentTermDecider = domain.Decider[StudentTermState, IndexEntry]{
	Initial: func() StudentTermState { return StudentTermState{} },
	Decide:  decideIndex,
	Evolve: func(s StudentTermState, ev domain.Event) StudentTermState {
		if e, ok := ev.(EntryIndexed); ok && !s.Has(e.RoundID) {
			s.Entries = append(append([]EntryIndexed(nil), s.Entries...), e)
		}
		return s
	},
	Keep: "assessment.student-term",
}

func decideIndex(s StudentTermState, c IndexEntry) ([]domain.Event, error) {
	for _, check := range []error{
		domain.CheckID("student_id", c.StudentID),
		domain.CheckID("round_id", c.RoundID),
		domain.CheckID("course_id", c.CourseID),
		c.Term.Check("term"),
	} {
		if check != nil {
			return nil, check
		}
	}
	if s.Has(c.RoundID) {
		return nil, nil
	}
	return []domain.Event{EntryIndexed{StudentID: c.StudentID, Term: c.Term, RoundID: c.RoundID, CourseID: c.CourseID}}, nil
}

// EntryRef points at one entry stream of a student.
type EntryRef struct {
	RoundID, CourseID, Stream string
}

// EntryVersion is an entry stream with its current version (domain.NoStream
// for an indexed entry whose first write failed).
type EntryVersion struct {
	EntryRef
	Version domain.Version
}

// LoadStudentTermEntries lists the student's entry streams for a term, with
// each stream's current version, in the order they were first written. A
// conference records these versions to show the entries as they stood.
func LoadStudentTermEntries(ctx context.Context, log domain.EventLog, tenant, studentID string, term domain.TermRef) ([]EntryVersion, error) {
	idx, _, err := domain.Load(ctx, log, StudentTermDecider, StudentTermStream(tenant, studentID, term))
	if err != nil {
		return nil, err
	}
	out := make([]EntryVersion, 0, len(idx.Entries))
	for _, e := range idx.Entries {
		stream := EntryStream(tenant, e.RoundID, studentID)
		_, v, err := domain.Load(ctx, log, EntryDecider, stream)
		if err != nil {
			return nil, err
		}
		out = append(out, EntryVersion{EntryRef: EntryRef{RoundID: e.RoundID, CourseID: e.CourseID, Stream: stream}, Version: v})
	}
	return out, nil
}
