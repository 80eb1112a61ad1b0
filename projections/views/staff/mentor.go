package staff

import (
	"slices"
	"time"

	"github.com/iup-platform/iup/domain"
	"github.com/iup-platform/iup/projections"
	"github.com/iup-platform/iup/projections/views/relations"
)

// MentorOverviewDoc is the mentor's overview of a term (mentorsöversikt): every
// mentee whose mentor period overlaps the term, every subject they study in
// it, and the term's plan, talk and risk signals. Served at MentorOverviewKey.
type MentorOverviewDoc struct {
	MentorID string         `json:"mentor_id"`
	Term     domain.TermRef `json:"term"`
	// TermStart and TermEnd are the term's dates, empty when its school year
	// is unknown (then every mentee with this mentor is listed).
	TermStart domain.Date      `json:"term_start"`
	TermEnd   domain.Date      `json:"term_end"`
	Rows      []MenteeRow      `json:"rows"`    // by student id
	Courses   []CourseProgress `json:"courses"` // by course id
}

// MenteeRow is one mentee in the overview.
type MenteeRow struct {
	StudentID string `json:"student_id"`
	Name      string `json:"name,omitempty"` // absent when protected
	Protected bool   `json:"protected"`
	// Mentor lists this mentor's periods for the student that overlap the
	// term, so the API can filter by today's date.
	Mentor     []Period         `json:"mentor"`
	LeftOn     domain.Date      `json:"left_on"`
	Subjects   []SubjectCell    `json:"subjects"` // by subject code
	Plan       PlanStatus       `json:"plan"`
	Conference ConferenceStatus `json:"conference"`
	Risks      []RiskSignal     `json:"risks"` // by subject
}

// SubjectCell is the latest omdöme of a mentee in a subject in the term: of
// the latest round with an entry, else of the latest round.
type SubjectCell struct {
	Subject  string `json:"subject"`
	CourseID string `json:"course_id"`
	RoundID  string `json:"round_id,omitempty"` // absent when no round is open yet
	Level    string `json:"level,omitempty"`    // the step key
	// Step is the level's place on the scale (1 = first step; 0 = none) and
	// Steps the scale's size: 0 for a free-text round.
	Step           int        `json:"step"`
	Steps          int        `json:"steps"`
	FreeText       bool       `json:"free_text"`
	Comment        bool       `json:"comment"`
	SelfAssessment bool       `json:"self_assessment"`
	Published      bool       `json:"published"`
	PublishAt      *time.Time `json:"publish_at,omitempty"` // may lie ahead: the API compares
	Amended        bool       `json:"amended"`
	Withdrawn      bool       `json:"withdrawn"`
	Missing        bool       `json:"missing"` // no level or comment written yet
}

// PlanStatus is the state of the mentee's plan of the term, never its text.
type PlanStatus struct {
	Status string `json:"status"` // none, draft, published, archived
	PlanID string `json:"plan_id,omitempty"`
	Legacy bool   `json:"legacy"` // an old plan document is attached
}

// ConferenceStatus is the state of the mentee's talk of the term: held if
// one was held, else the earliest scheduled, else cancelled, else none.
type ConferenceStatus struct {
	Status       string     `json:"status"`
	ConferenceID string     `json:"conference_id,omitempty"`
	At           *time.Time `json:"at,omitempty"` // scheduled or held at
}

// RiskSignal is an active risk signal: signalled in this term or earlier
// in the same school year, and not withdrawn.
type RiskSignal struct {
	Subject  string         `json:"subject"`
	Term     domain.TermRef `json:"term"`
	CourseID string         `json:"course_id,omitempty"`
	Grade    int            `json:"grade"`
	DutyYear bool           `json:"duty_year"`
}

// CourseProgress counts, among the mentor's mentees in a course, the
// omdömen still missing: per round, enrolled mentees without a level or
// comment; a course with no round yet misses one per enrolled mentee.
type CourseProgress struct {
	CourseID string `json:"course_id"`
	Subject  string `json:"subject"`
	Name     string `json:"name"`
	Rounds   int    `json:"rounds"`
	Enrolled int    `json:"enrolled"`
	Missing  int    `json:"missing"`
}

// mentorIDs lists everyone who ever mentored s, sorted.
func mentorIDs(s relations.Student) []string {
	var ids []string
	for _, p := range s.Mentors {
		ids = addSorted(ids, p.ID)
	}
	return ids
}

func renderMentors(r *reader, d *dirty) error {
	ix, err := r.index()
	if err != nil {
		return err
	}
	ts := targets{}
	for _, id := range d.studentIDs() {
		s, err := r.student(id)
		if err != nil {
			return err
		}
		for _, m := range mentorIDs(s) {
			ts.add(m, d.termsOf(id, ix.Terms)...)
		}
	}
	for cid := range d.courses {
		c, err := r.course(cid)
		if err != nil {
			return err
		}
		if c.Term.SchoolYear == "" {
			continue // rounds of a course not created yet
		}
		for _, id := range c.EverEnrolled() {
			s, err := r.student(id)
			if err != nil {
				return err
			}
			for _, m := range mentorIDs(s) {
				ts.add(m, courseTerms(c.Term, c.WholeYear)...)
			}
		}
	}
	for t := range d.terms {
		for _, m := range ix.Mentors {
			ts.add(m, t)
		}
	}
	t := r.t
	for _, tg := range ts.sorted() {
		err := projections.Defer(r.tx, MentorOverviewKey(t, tg.id, tg.term), func(tx projections.Tx) error {
			return renderMentor(newReader(tx, t), tg.id, tg.term)
		})
		if err != nil {
			return err
		}
	}
	return nil
}

func renderMentor(r *reader, mentorID string, term domain.TermRef) error {
	sp, err := r.span(term)
	if err != nil {
		return err
	}
	staff, _, err := relations.Load[relations.Person](r.tx, relations.StaffKey(r.t, mentorID))
	if err != nil {
		return err
	}
	doc := MentorOverviewDoc{MentorID: mentorID, Term: term, TermStart: sp.start, TermEnd: sp.end, Rows: []MenteeRow{}, Courses: []CourseProgress{}}
	progress := map[string]*CourseProgress{}
	for _, id := range staff.Students {
		s, err := r.readStudent(id) // once per render: a cache costs more than it saves
		if err != nil {
			return err
		}
		var periods []Period
		for _, p := range s.Mentors {
			if p.ID == mentorID && sp.holds(p.From, p.To) {
				periods = append(periods, Period{From: p.From, To: p.To})
			}
		}
		if len(periods) == 0 {
			continue
		}
		row, err := menteeRow(r, s, term, sp, progress)
		if err != nil {
			return err
		}
		row.Mentor = periods
		doc.Rows = append(doc.Rows, row)
	}
	for _, p := range progress {
		doc.Courses = append(doc.Courses, *p)
	}
	slices.SortFunc(doc.Courses, func(a, b CourseProgress) int { return compareStrings(a.CourseID, b.CourseID) })
	return put(r.tx, MentorOverviewKey(r.t, mentorID, term), doc, len(doc.Rows) > 0)
}

// menteeRow renders one mentee and adds their courses to progress.
func menteeRow(r *reader, s relations.Student, term domain.TermRef, sp span, progress map[string]*CourseProgress) (MenteeRow, error) {
	f, err := r.readStudentFacts(s.ID) // a mentee's row reads them once
	if err != nil {
		return MenteeRow{}, err
	}
	row := MenteeRow{StudentID: s.ID, LeftOn: s.LeftOn, Subjects: []SubjectCell{}, Risks: []RiskSignal{}}
	row.Name, row.Protected = name(s)
	row.Plan, row.Conference = planOf(f, term), conferenceOf(f, term, false)
	row.Risks = risksOf(f, term)
	cells := map[string]SubjectCell{}
	seq := map[string]uint64{}
	for _, cid := range s.Courses {
		c, err := r.course(cid)
		if err != nil {
			return row, err
		}
		if !inTerm(c, term) {
			continue
		}
		rounds, err := r.courseRounds(cid, term)
		if err != nil {
			return row, err
		}
		_, isEnrolled := enrolled(c, s.ID, sp)
		cell, at, hasEntry := latestCell(c, rounds, s.ID)
		if !isEnrolled && !hasEntry {
			continue
		}
		if prev, ok := cells[c.Subject]; !ok || at > seq[c.Subject] || (at == seq[c.Subject] && cell.CourseID < prev.CourseID) {
			cells[c.Subject], seq[c.Subject] = cell, at
		}
		if isEnrolled {
			p := progress[cid]
			if p == nil {
				p = &CourseProgress{CourseID: cid, Subject: c.Subject, Name: c.Name, Rounds: len(rounds)}
				progress[cid] = p
			}
			p.Enrolled++
			p.Missing += missingIn(rounds, s.ID)
		}
	}
	for _, c := range cells {
		row.Subjects = append(row.Subjects, c)
	}
	slices.SortFunc(row.Subjects, func(a, b SubjectCell) int { return compareStrings(a.Subject, b.Subject) })
	return row, nil
}

// latestCell picks the latest round in which the student has an entry,
// else the latest round; at orders cells of one subject across courses
// (entries first, then by round creation).
func latestCell(c relations.Course, rounds []roundFact, studentID string) (SubjectCell, uint64, bool) {
	cell := SubjectCell{Subject: c.Subject, CourseID: c.ID, Missing: true}
	var at uint64
	has := false
	for _, rf := range rounds {
		e, ok := entryOf(rf, studentID)
		if has && !ok {
			continue
		}
		has = has || ok
		cell = roundCell(c, rf, e)
		at = rf.Seq
	}
	if has {
		at += 1 << 62 // a round with an entry outranks any round without
	}
	return cell, at, has
}

func roundCell(c relations.Course, rf roundFact, e entryFact) SubjectCell {
	return SubjectCell{Subject: c.Subject, CourseID: c.ID, RoundID: rf.ID, Level: e.Level,
		Step: slices.Index(rf.Steps, e.Level) + 1, Steps: len(rf.Steps), FreeText: rf.FreeText,
		Comment: e.Comment, SelfAssessment: e.SelfLevel != "" || e.SelfComment,
		Published: rf.Published, PublishAt: rf.PublishAt, Amended: e.Amended, Withdrawn: e.Withdrawn, Missing: !e.written()}
}

func entryOf(rf roundFact, studentID string) (entryFact, bool) {
	i := slices.IndexFunc(rf.Entries, func(e entryFact) bool { return e.StudentID == studentID })
	if i < 0 {
		return entryFact{StudentID: studentID}, false
	}
	return rf.Entries[i], true
}

// missingIn counts the rounds without a written omdöme for the student;
// with no round at all, the one omdöme of the term is missing.
func missingIn(rounds []roundFact, studentID string) int {
	if len(rounds) == 0 {
		return 1
	}
	n := 0
	for _, rf := range rounds {
		if e, _ := entryOf(rf, studentID); !e.written() {
			n++
		}
	}
	return n
}
