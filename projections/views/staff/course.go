package staff

import (
	"slices"
	"time"

	"github.com/iup-platform/iup/domain"
	"github.com/iup-platform/iup/projections"
)

// CourseViewDoc is the teacher's view of a course in a term: the students
// enrolled in the term and, per round of the term, their entries and who is
// still missing. Served at CourseViewKey; the API authorises a reader
// against Teachers on today's date.
type CourseViewDoc struct {
	CourseID  string          `json:"course_id"`
	SchoolID  string          `json:"school_id"`
	Subject   string          `json:"subject"`
	Name      string          `json:"name"`
	Term      domain.TermRef  `json:"term"`
	WholeYear bool            `json:"whole_year"`
	TermStart domain.Date     `json:"term_start"` // empty when the school year is unknown
	TermEnd   domain.Date     `json:"term_end"`
	Teachers  []Teacher       `json:"teachers"` // in the order assigned
	Students  []CourseStudent `json:"students"` // enrolled in the term, by student id
	Rounds    []RoundView     `json:"rounds"`   // rounds of the term, in the order created
}

// Teacher is a teaching period of the course.
type Teacher struct {
	StaffID string `json:"staff_id"`
	Period
}

// CourseStudent is a student enrolled in the course during the term.
type CourseStudent struct {
	StudentID string      `json:"student_id"`
	Name      string      `json:"name,omitempty"` // absent when protected
	Protected bool        `json:"protected"`
	Enrolled  Period      `json:"enrolled"`
	LeftOn    domain.Date `json:"left_on"`
}

// RoundView is one assessment round of the course in the term.
type RoundView struct {
	RoundID        string      `json:"round_id"`
	Title          string      `json:"title"`
	Steps          []string    `json:"steps"` // the scale's step keys; empty for free text
	FreeText       bool        `json:"free_text"`
	SelfAssessment bool        `json:"self_assessment"` // students may self-assess
	Published      bool        `json:"published"`
	PublishAt      *time.Time  `json:"publish_at,omitempty"`
	Entries        []EntryView `json:"entries"` // every student with an entry, by student id
	Missing        []string    `json:"missing"` // enrolled students without a level or comment
}

// EntryView is one student's entry: flags and the level, never the text.
type EntryView struct {
	StudentID      string `json:"student_id"`
	Level          string `json:"level,omitempty"`
	Step           int    `json:"step"` // 1 = first step of the scale, 0 = none
	Comment        bool   `json:"comment"`
	SelfAssessment bool   `json:"self_assessment"` // a self level or comment exists
	Amended        bool   `json:"amended"`
	Withdrawn      bool   `json:"withdrawn"`
}

func renderCourses(r *reader, d *dirty) error {
	ts := targets{}
	add := func(cid string) error {
		c, err := r.course(cid)
		if err == nil && c.Term.SchoolYear != "" {
			ts.add(cid, courseTerms(c.Term, c.WholeYear)...)
		}
		return err
	}
	// Renders share d with the family's other views: read it, never change it.
	for _, set := range []map[string]bool{d.courses, d.courseOnly} {
		for cid := range set {
			if err := add(cid); err != nil {
				return err
			}
		}
	}
	for id := range d.people {
		s, err := r.student(id)
		if err != nil {
			return err
		}
		for _, cid := range s.Courses {
			if err := add(cid); err != nil {
				return err
			}
		}
	}
	for t := range d.terms {
		y, err := load[year](r.tx, yearKey(r.t, t.SchoolYear))
		if err != nil {
			return err
		}
		for _, cid := range y.Courses {
			if c, err := r.course(cid); err != nil {
				return err
			} else if inTerm(c, t) {
				ts.add(cid, t)
			}
		}
	}
	t := r.t
	for _, tg := range ts.sorted() {
		err := projections.Defer(r.tx, CourseViewKey(t, tg.id, tg.term), func(tx projections.Tx) error {
			return renderCourse(newReader(tx, t), tg.id, tg.term)
		})
		if err != nil {
			return err
		}
	}
	return nil
}

func renderCourse(r *reader, courseID string, term domain.TermRef) error {
	c, err := r.course(courseID)
	if err != nil {
		return err
	}
	sp, err := r.span(term)
	if err != nil {
		return err
	}
	doc := CourseViewDoc{CourseID: c.ID, SchoolID: c.SchoolID, Subject: c.Subject, Name: c.Name, Term: term, WholeYear: c.WholeYear,
		TermStart: sp.start, TermEnd: sp.end, Teachers: []Teacher{}, Students: []CourseStudent{}, Rounds: []RoundView{}}
	for _, p := range c.Teachers {
		doc.Teachers = append(doc.Teachers, Teacher{StaffID: p.ID, Period: Period{From: p.From, To: p.To}})
	}
	for _, id := range c.EverEnrolled() {
		p, ok := enrolled(c, id, sp)
		if !ok {
			continue
		}
		s, err := r.readStudent(id) // once per render: a cache costs more than it saves
		if err != nil {
			return err
		}
		cs := CourseStudent{StudentID: id, Enrolled: p, LeftOn: s.LeftOn}
		cs.Name, cs.Protected = name(s)
		doc.Students = append(doc.Students, cs)
	}
	rounds, err := r.courseRounds(courseID, term)
	if err != nil {
		return err
	}
	for _, rf := range rounds {
		doc.Rounds = append(doc.Rounds, roundView(rf, doc.Students))
	}
	return put(r.tx, CourseViewKey(r.t, courseID, term), doc, true)
}

func roundView(rf roundFact, roster []CourseStudent) RoundView {
	rv := RoundView{RoundID: rf.ID, Title: rf.Title, Steps: slices.Clone(rf.Steps), FreeText: rf.FreeText, SelfAssessment: rf.SelfAssessment,
		Published: rf.Published, PublishAt: rf.PublishAt, Entries: []EntryView{}, Missing: []string{}}
	if rv.Steps == nil {
		rv.Steps = []string{}
	}
	for _, e := range rf.Entries {
		rv.Entries = append(rv.Entries, EntryView{StudentID: e.StudentID, Level: e.Level, Step: slices.Index(rf.Steps, e.Level) + 1,
			Comment: e.Comment, SelfAssessment: e.SelfLevel != "" || e.SelfComment, Amended: e.Amended, Withdrawn: e.Withdrawn})
	}
	for _, s := range roster {
		if e, _ := entryOf(rf, s.StudentID); !e.written() {
			rv.Missing = append(rv.Missing, s.StudentID)
		}
	}
	return rv
}
