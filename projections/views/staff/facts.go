package staff

import (
	"slices"
	"time"

	"github.com/iup-platform/iup/domain"
	"github.com/iup-platform/iup/domain/roster"
	"github.com/iup-platform/iup/domain/setup"
	"github.com/iup-platform/iup/projections"
	"github.com/iup-platform/iup/projections/views/relations"
)

// Helper documents, never served. They hold ids, dates, statuses and
// flags only: nothing here survives a cull in another form.
func indexKey(t string) string            { return "facts/" + t + "/index" }
func yearKey(t, sy string) string         { return "facts/" + t + "/year/" + sy }
func studentKey(t, id string) string      { return "facts/" + t + "/student/" + id }
func roundKey(t, id string) string        { return "facts/" + t + "/round/" + id }
func courseRoundsKey(t, id string) string { return "facts/" + t + "/course-rounds/" + id }
func schoolKey(t, id string) string       { return "facts/" + t + "/school/" + id }

// index lists what a change of a whole term must revisit.
type index struct {
	Terms   []domain.TermRef `json:"terms"`
	Mentors []string         `json:"mentors"`
	Schools []string         `json:"schools"`
}

// year lists the courses of a school year.
type year struct {
	Courses []string `json:"courses"`
}

// school lists every student ever placed at a school.
type school struct {
	Students []string `json:"students"`
}

// courseRounds lists a course's rounds in the order they were created.
type courseRounds struct {
	Rounds []string `json:"rounds"`
}

// studentFacts is what the staff views know of a student beyond relations.
type studentFacts struct {
	// Schools are the student's placements (ID is the school).
	Schools []relations.Period `json:"schools"`
	// Details are grade and school form over time, by From: the duties of
	// an earlier term follow the year the student was in then.
	Details     []detailFact     `json:"details"`
	Plans       []planFact       `json:"plans"`
	Conferences []conferenceFact `json:"conferences"`
	Risks       []riskFact       `json:"risks"`
}

type detailFact struct {
	From        domain.Date `json:"from"`
	Grade       int         `json:"grade"`
	SchoolForm  string      `json:"school_form"`
	GradesGiven bool        `json:"grades_given"`
}

// details records grade and school form from a day on; a change with the
// same day replaces the earlier one.
func details(tx projections.Tx, t, studentID string, df detailFact) error {
	return projections.UpdateJSON(tx, studentKey(t, studentID), func(f *studentFacts) {
		f.Details = slices.DeleteFunc(slices.Clone(f.Details), func(x detailFact) bool { return x.From == df.From }) // in a copy: see addSorted
		i, _ := slices.BinarySearchFunc(f.Details, df, func(a, b detailFact) int { return a.From.Compare(b.From) })
		f.Details = slices.Insert(slices.Clip(f.Details), i, df) // a new array: see addSorted
	})
}

type planFact struct {
	ID        string         `json:"id"`
	Term      domain.TermRef `json:"term"`
	Status    string         `json:"status"`
	Published bool           `json:"published"` // ever published: a written IUP exists
	Legacy    bool           `json:"legacy"`    // an old plan was uploaded
}

type conferenceFact struct {
	ID     string         `json:"id"`
	Term   domain.TermRef `json:"term"`
	Status string         `json:"status"`
	At     time.Time      `json:"at"`
}

type riskFact struct {
	Subject  string         `json:"subject"`
	Term     domain.TermRef `json:"term"`
	CourseID string         `json:"course_id"`
	Grade    int            `json:"grade"`
	DutyYear bool           `json:"duty_year"`
}

// roundFact is a round and its entries (sorted by student).
type roundFact struct {
	ID             string         `json:"id"`
	Seq            uint64         `json:"seq"` // log position of creation: orders rounds
	CourseID       string         `json:"course_id"`
	Term           domain.TermRef `json:"term"`
	Title          string         `json:"title"`
	Steps          []string       `json:"steps"`
	FreeText       bool           `json:"free_text"`
	SelfAssessment bool           `json:"self_assessment"`
	Published      bool           `json:"published"`
	PublishAt      *time.Time     `json:"publish_at"`
	Entries        []entryFact    `json:"entries"`
}

type entryFact struct {
	StudentID   string `json:"student_id"`
	Level       string `json:"level"`
	Comment     bool   `json:"comment"`
	SelfLevel   string `json:"self_level"`
	SelfComment bool   `json:"self_comment"`
	Amended     bool   `json:"amended"`
	Withdrawn   bool   `json:"withdrawn"`
}

// written reports whether the teacher's omdöme exists: a level or a comment.
func (e entryFact) written() bool { return !e.Withdrawn && (e.Level != "" || e.Comment) }

// dirty names what an event changed, for the views to re-render.
type dirty struct {
	people     map[string]bool                    // a student's roster facts: every document of theirs
	work       map[string]map[domain.TermRef]bool // a student's content in a term
	courses    map[string]bool                    // a course's roster or rounds: all its terms
	courseOnly map[string]bool                    // a change only the course view shows: an entry, a teacher
	terms      map[domain.TermRef]bool            // a term's dates or existence: every document of it
}

// newDirty returns an empty set; its maps are made on first mark, since
// most events mark one or two of them.
func newDirty() *dirty { return &dirty{} }

// mark adds k to the set *m, making it on first use.
func mark[K comparable](m *map[K]bool, k K) {
	if *m == nil {
		*m = map[K]bool{}
	}
	(*m)[k] = true
}

func (d *dirty) empty() bool {
	return len(d.people) == 0 && len(d.work) == 0 && len(d.courses) == 0 && len(d.courseOnly) == 0 && len(d.terms) == 0
}

// merge adds what e marked to d. e is one event's and is not used after,
// so d may take its sets.
func (d *dirty) merge(e *dirty) {
	projections.Union(&d.people, e.people)
	projections.Union(&d.courses, e.courses)
	projections.Union(&d.courseOnly, e.courseOnly)
	projections.Union(&d.terms, e.terms)
	for id, ts := range e.work {
		if d.work == nil {
			d.work = map[string]map[domain.TermRef]bool{}
		}
		w := d.work[id]
		projections.Union(&w, ts)
		d.work[id] = w
	}
}

func (d *dirty) student(id string, terms ...domain.TermRef) {
	if d.work == nil {
		d.work = map[string]map[domain.TermRef]bool{}
	}
	w := d.work[id]
	if w == nil {
		w = map[domain.TermRef]bool{}
		d.work[id] = w
	}
	for _, t := range terms {
		w[t] = true
	}
}

// commentPresent reads a comment field: a culled event arrives with the
// text emptied, and the comment it carried still exists as far as the
// view's flags go, so live and rebuilt views agree.
func commentPresent(text string, ev projections.Event) bool { return text != "" || ev.Culled }

// fold records the event's facts and returns what it changed.
func fold(tx projections.Tx, t string, ev projections.Event) (*dirty, error) {
	d := newDirty()
	var err error
	switch e := ev.Event.(type) {
	case roster.StudentRegistered:
		mark(&d.people, e.StudentID)
		err = place(tx, t, e.StudentID, e.SchoolID, e.EffectiveFrom, d)
		if err == nil {
			err = details(tx, t, e.StudentID, detailFact{From: e.EffectiveFrom, Grade: e.Grade, SchoolForm: e.SchoolForm, GradesGiven: e.GradesGiven})
		}
	case roster.StudentMoved:
		mark(&d.people, e.StudentID)
		err = place(tx, t, e.StudentID, e.SchoolID, e.EffectiveFrom, d)
	case roster.StudentRenamed:
		mark(&d.people, e.StudentID)
	case roster.StudentDetailsChanged:
		mark(&d.people, e.StudentID)
		err = details(tx, t, e.StudentID, detailFact{From: e.EffectiveFrom, Grade: e.Grade, SchoolForm: e.SchoolForm, GradesGiven: e.GradesGiven})
	case roster.StudentProtectionChanged:
		mark(&d.people, e.StudentID)
	case roster.StudentLeft:
		mark(&d.people, e.StudentID)
	case roster.MentorAssigned:
		mark(&d.people, e.StudentID)
		err = projections.UpdateJSON(tx, indexKey(t), func(x *index) { x.Mentors = addSorted(x.Mentors, e.StaffID) })
	case roster.MentorEnded:
		mark(&d.people, e.StudentID)
	case roster.CourseCreated:
		mark(&d.courses, e.CourseID)
		err = projections.UpdateJSON(tx, yearKey(t, e.Term.SchoolYear), func(y *year) { y.Courses = addSorted(y.Courses, e.CourseID) })
		if err == nil {
			err = addTerms(tx, t, d, courseTerms(e.Term, e.WholeYear)...)
		}
	case roster.CourseTeacherAssigned:
		mark(&d.courseOnly, e.CourseID)
	case roster.CourseTeacherEnded:
		mark(&d.courseOnly, e.CourseID)
	case roster.StudentsEnrolled:
		mark(&d.courses, e.CourseID)
	case roster.StudentsUnenrolled:
		mark(&d.courses, e.CourseID)
	case setup.SchoolYearCreated:
		var terms []domain.TermRef
		for _, tm := range e.Terms {
			terms = append(terms, domain.TermRef{SchoolYear: e.SchoolYearID, Kind: tm.Kind})
		}
		err = addTerms(tx, t, d, terms...)
		for _, tm := range terms {
			mark(&d.terms, tm)
		}
	case setup.TermDatesChanged:
		mark(&d.terms, domain.TermRef{SchoolYear: e.SchoolYearID, Kind: e.Kind})
	default:
		return foldContent(tx, t, ev)
	}
	return d, err
}

// courseTerms are the terms a course runs in: its term, or both terms of
// its school year when it runs the whole year.
func courseTerms(term domain.TermRef, wholeYear bool) []domain.TermRef {
	if wholeYear || term.Kind == "" {
		return []domain.TermRef{{SchoolYear: term.SchoolYear, Kind: domain.HT}, {SchoolYear: term.SchoolYear, Kind: domain.VT}}
	}
	return []domain.TermRef{term}
}

// place starts a student's placement at a school from day from, ending
// the open one; a repeated registration at the same school adds nothing.
func place(tx projections.Tx, t, studentID, schoolID string, from domain.Date, d *dirty) error {
	if err := projections.UpdateJSON(tx, studentKey(t, studentID), func(f *studentFacts) {
		f.Schools = slices.Clone(f.Schools) // changed in a copy: see addSorted
		for i := range f.Schools {
			if f.Schools[i].To.IsZero() {
				if f.Schools[i].ID == schoolID {
					return
				}
				f.Schools[i].To = from
			}
		}
		f.Schools = append(f.Schools, relations.Period{ID: schoolID, From: from})
	}); err != nil {
		return err
	}
	if err := projections.UpdateJSON(tx, schoolKey(t, schoolID), func(s *school) { s.Students = addSorted(s.Students, studentID) }); err != nil {
		return err
	}
	return projections.UpdateJSON(tx, indexKey(t), func(x *index) { x.Schools = addSorted(x.Schools, schoolID) })
}

// addTerms records terms in the index; a term seen for the first time
// makes every document of it dirty.
func addTerms(tx projections.Tx, t string, d *dirty, terms ...domain.TermRef) error {
	return projections.UpdateJSON(tx, indexKey(t), func(x *index) {
		for _, tm := range terms {
			i, found := slices.BinarySearchFunc(x.Terms, tm, compareTerms)
			if !found {
				x.Terms = slices.Insert(slices.Clip(x.Terms), i, tm) // a new array: see addSorted
				mark(&d.terms, tm)
			}
		}
	})
}

func compareTerms(a, b domain.TermRef) int {
	switch {
	case termLess(a, b):
		return -1
	case termLess(b, a):
		return 1
	}
	return 0
}

// load reads a helper document, or zero when there is none.
func load[T any](tx projections.Tx, key string) (T, error) {
	var v T
	_, err := projections.GetJSON(tx, key, &v)
	return v, err
}

// addSorted returns ids with id in its sorted place, in a new array when
// it adds it: ids may be a document's, whose array the overlay shares
// with the version a failed event is rolled back to, and inserting into
// its spare capacity shifted that version's entries too.
func addSorted(ids []string, id string) []string {
	i, found := slices.BinarySearch(ids, id)
	if found {
		return ids
	}
	return slices.Insert(slices.Clip(ids), i, id)
}

func compareStrings(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
