package staff

import (
	"reflect"
	"slices"

	"github.com/iup-platform/iup/domain"
	"github.com/iup-platform/iup/domain/duties"
	"github.com/iup-platform/iup/projections"
	"github.com/iup-platform/iup/projections/views/relations"
)

// SchoolListsDoc are a school's lists for a term (Skollagen's duties, from the
// one duty table): students with active risk signals, students with no talk
// held, and students whose written IUP of the school year is due and not
// published. Served at SchoolListsKey.
type SchoolListsDoc struct {
	SchoolID  string         `json:"school_id"`
	Term      domain.TermRef `json:"term"`
	TermStart domain.Date    `json:"term_start"` // empty when the school year is unknown
	TermEnd   domain.Date    `json:"term_end"`
	// AtRisk: students with a risk signal active in the term.
	AtRisk []AtRiskRow `json:"at_risk"`
	// NoConference: students with no talk held in the term (förskoleklass:
	// in the school year), with the talk as it stands.
	NoConference []ConferenceRow `json:"no_conference"`
	// IUPDue: students who are owed a written IUP this school year and have
	// none published (nor an old one uploaded), with the term's plan status.
	IUPDue []PlanRow `json:"iup_due"`
}

// StudentRef is a student on a school list. A student who left or moved
// stays on the lists of terms they were at the school, marked.
type StudentRef struct {
	StudentID  string `json:"student_id"`
	Name       string `json:"name,omitempty"` // absent when protected
	Protected  bool   `json:"protected"`
	Grade      int    `json:"grade"`
	SchoolForm string `json:"school_form"`
	// Placed is the student's placement at this school that overlaps the term.
	Placed Period `json:"placed"`
	// CurrentSchoolID is set when the student now belongs to another school.
	CurrentSchoolID string      `json:"current_school_id,omitempty"`
	LeftOn          domain.Date `json:"left_on"` // set when the student left the organiser
}

// AtRiskRow is a student with active risk signals; DutyYear in each signal
// is read from the duty table (years 3, 6 and 9).
type AtRiskRow struct {
	StudentRef
	Signals []RiskSignal `json:"signals"`
}

// ConferenceRow is a student still owed a talk.
type ConferenceRow struct {
	StudentRef
	Conference ConferenceStatus `json:"conference"`
}

// PlanRow is a student still owed a written IUP.
type PlanRow struct {
	StudentRef
	Plan PlanStatus `json:"plan"`
}

func renderSchools(r *reader, d *dirty) error {
	ix, err := r.index()
	if err != nil {
		return err
	}
	// Which students each list changes for: a list is updated for them
	// alone, unless a term changed (its dates decide every placement).
	changed := map[target][]string{}
	all := targets{}
	for _, id := range d.studentIDs() {
		s, err := r.student(id)
		if err != nil {
			return err
		}
		f, err := r.studentFacts(id)
		if err != nil {
			return err
		}
		terms := d.termsOf(id, ix.Terms)
		add := func(school string) {
			for _, tm := range terms {
				tg := target{school, tm}
				// ids come sorted: appended, each list stays sorted.
				if ids := changed[tg]; len(ids) == 0 || ids[len(ids)-1] != id {
					changed[tg] = append(ids, id)
				}
			}
		}
		if s.SchoolID != "" {
			add(s.SchoolID)
		}
		for _, p := range f.Schools {
			add(p.ID)
		}
	}
	for t := range d.terms {
		for _, sc := range ix.Schools {
			all.add(sc, t)
		}
	}
	ts := targets{}
	for tg := range changed {
		ts.add(tg.id, tg.term)
	}
	for tg := range all {
		ts.add(tg.id, tg.term)
	}
	t := r.t
	for _, tg := range ts.sorted() {
		if err := markSchool(r.tx, t, tg, all[tg], changed[tg]); err != nil {
			return err
		}
		err := projections.Defer(r.tx, SchoolListsKey(t, tg.id, tg.term), func(tx projections.Tx) error {
			return renderSchoolChanges(newReader(tx, t), tg.id, tg.term)
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// schoolChanges is what a school's list of a term awaits until its render
// runs (at the end of the batch, or of a rebuild): every student, or
// these. It lives in the same batch as the render, which deletes it, so
// live it is never stored; a rebuild that holds renders stores it meanwhile.
type schoolChanges struct {
	All      bool     `json:"all,omitempty"`
	Students []string `json:"students,omitempty"`
}

func schoolChangesKey(t string, tg target) string {
	return "facts/" + t + "/school-changes/" + tg.id + "/" + tg.term.SchoolYear + "/" + string(tg.term.Kind)
}

// maxSchoolChanges is how many changed students a list is updated for
// one by one; past it, it is rendered whole (a rebuild's held renders,
// where every student changes).
const maxSchoolChanges = 64

func markSchool(tx projections.Tx, t string, tg target, all bool, students []string) error {
	key := schoolChangesKey(t, tg)
	c, err := load[schoolChanges](tx, key)
	if err != nil {
		return err
	}
	switch {
	case c.All:
		return nil // already whole: nothing to add
	case all || len(students) > maxSchoolChanges:
		c.All, c.Students = true, nil
	default:
		merged := c.Students // addSorted copies when it adds
		for _, id := range students {
			merged = addSorted(merged, id)
		}
		switch {
		case len(merged) == len(c.Students):
			return nil // every one already pending
		case len(merged) > maxSchoolChanges:
			c.All, c.Students = true, nil
		default:
			c.Students = merged
		}
	}
	return projections.PutJSON(tx, key, c)
}

// renderSchoolChanges updates a school's list of a term for the students
// that changed: their rows are taken out and computed again, the others'
// stay. A list used to be rendered whole, every student of the school read
// again, for each batch that touched one of them: a fifth of the service's
// CPU under a load of writes. It renders whole when every student may have
// changed, when there is no list yet, when its term's dates moved, when a
// changed student is not placed at the school (the list may go), or when
// more than maxSchoolChanges changed (a rebuild's held renders).
func renderSchoolChanges(r *reader, schoolID string, term domain.TermRef) error {
	key := schoolChangesKey(r.t, target{schoolID, term})
	ch, err := load[schoolChanges](r.tx, key)
	if err != nil {
		return err
	}
	r.tx.Delete(key)
	if ch.All {
		return renderSchool(r, schoolID, term)
	}
	sp, err := r.span(term)
	if err != nil {
		return err
	}
	listKey := SchoolListsKey(r.t, schoolID, term)
	var doc SchoolListsDoc
	found, err := projections.GetJSON(r.tx, listKey, &doc)
	if err != nil {
		return err
	}
	if !found || doc.TermStart != sp.start || doc.TermEnd != sp.end {
		return renderSchool(r, schoolID, term)
	}
	changed := false
	for _, id := range ch.Students {
		rows, placed, err := schoolRowsOf(r, schoolID, term, sp, id)
		if err != nil {
			return err
		}
		if !placed {
			return renderSchool(r, schoolID, term)
		}
		var c [3]bool
		doc.AtRisk, c[0] = replaceRow(doc.AtRisk, id, rows.atRisk, func(x AtRiskRow) string { return x.StudentID })
		doc.NoConference, c[1] = replaceRow(doc.NoConference, id, rows.noConference, func(x ConferenceRow) string { return x.StudentID })
		doc.IUPDue, c[2] = replaceRow(doc.IUPDue, id, rows.iupDue, func(x PlanRow) string { return x.StudentID })
		changed = changed || c[0] || c[1] || c[2]
	}
	if !changed {
		// Most writes (a comment, a level) leave every row as it was:
		// the list, a school's worth of rows, is not encoded again.
		return nil
	}
	return put(r.tx, listKey, doc, true)
}

// replaceRow returns list (sorted by student, as the school's members are)
// with the row of student id set to row, or taken out when row is nil, and
// whether that changed it. It never writes into list, which the document
// read from the overlay shares with its previous version: a changed list
// is a new array.
func replaceRow[R any](list []R, id string, row *R, studentOf func(R) string) ([]R, bool) {
	i, found := slices.BinarySearchFunc(list, id, func(x R, id string) int { return compareStrings(studentOf(x), id) })
	switch {
	case found && row != nil:
		if reflect.DeepEqual(list[i], *row) {
			return list, false
		}
		list = slices.Clone(list)
		list[i] = *row
	case found:
		list = slices.Delete(slices.Clone(list), i, i+1)
	case row != nil:
		list = slices.Insert(slices.Clip(list), i, *row)
	default:
		return list, false
	}
	return list, true
}

// schoolRows are one student's rows on a school's lists; nil: not on it.
type schoolRows struct {
	atRisk       *AtRiskRow
	noConference *ConferenceRow
	iupDue       *PlanRow
}

// schoolRowsOf computes a student's rows on a school's lists of a term and
// whether the student was placed at the school during it.
func schoolRowsOf(r *reader, schoolID string, term domain.TermRef, sp span, id string) (schoolRows, bool, error) {
	var rows schoolRows
	s, err := r.readStudent(id)
	if err != nil {
		return rows, false, err
	}
	f, err := r.readStudentFacts(id)
	if err != nil {
		return rows, false, err
	}
	s = inYear(s, f, sp)
	ref, ok := placed(s, f, schoolID, sp)
	if !ok {
		return rows, false, nil
	}
	du := duties.For(s.SchoolForm, s.Grade, s.GradesGiven)
	if signals := risksOf(f, term); len(signals) > 0 {
		for i := range signals {
			g := signals[i].Grade
			if g == 0 {
				g = s.Grade
			}
			signals[i].DutyYear = duties.For(s.SchoolForm, g, s.GradesGiven).RiskSignal
		}
		rows.atRisk = &AtRiskRow{StudentRef: ref, Signals: signals}
	}
	if c := conferenceOf(f, term, !du.TalkPerTerm); c.Status != StatusHeld {
		rows.noConference = &ConferenceRow{StudentRef: ref, Conference: c}
	}
	if du.WrittenIUP && !iupWritten(f, term.SchoolYear) {
		rows.iupDue = &PlanRow{StudentRef: ref, Plan: planOf(f, term)}
	}
	return rows, true, nil
}

// renderSchool renders a school's lists of a term whole, every member read.
func renderSchool(r *reader, schoolID string, term domain.TermRef) error {
	sp, err := r.span(term)
	if err != nil {
		return err
	}
	members, err := load[school](r.tx, schoolKey(r.t, schoolID))
	if err != nil {
		return err
	}
	doc := SchoolListsDoc{SchoolID: schoolID, Term: term, TermStart: sp.start, TermEnd: sp.end,
		AtRisk: []AtRiskRow{}, NoConference: []ConferenceRow{}, IUPDue: []PlanRow{}}
	shown := false
	for _, id := range members.Students { // each once: no cache
		rows, ok, err := schoolRowsOf(r, schoolID, term, sp, id)
		if err != nil {
			return err
		}
		if !ok {
			continue
		}
		shown = true
		if rows.atRisk != nil {
			doc.AtRisk = append(doc.AtRisk, *rows.atRisk)
		}
		if rows.noConference != nil {
			doc.NoConference = append(doc.NoConference, *rows.noConference)
		}
		if rows.iupDue != nil {
			doc.IUPDue = append(doc.IUPDue, *rows.iupDue)
		}
	}
	return put(r.tx, SchoolListsKey(r.t, schoolID, term), doc, shown)
}

// inYear returns s with the grade and school form of the term: the last
// recorded before the term ends (the current ones when its dates are unknown).
func inYear(s relations.Student, f studentFacts, sp span) relations.Student {
	for _, df := range f.Details {
		if sp.known && df.From.After(sp.end) {
			break
		}
		s.Grade, s.SchoolForm, s.GradesGiven = df.Grade, df.SchoolForm, df.GradesGiven
	}
	return s
}

// placed reports whether the student belonged to the school during the
// term: a placement there overlapping the term (ended by leaving the
// organiser), or, when the term's dates are unknown, the current school.
func placed(s relations.Student, f studentFacts, schoolID string, sp span) (StudentRef, bool) {
	ref := StudentRef{StudentID: s.ID, Grade: s.Grade, SchoolForm: s.SchoolForm, LeftOn: s.LeftOn}
	ref.Name, ref.Protected = name(s)
	if s.SchoolID != schoolID {
		ref.CurrentSchoolID = s.SchoolID
	}
	for _, p := range f.Schools {
		if p.ID != schoolID {
			continue
		}
		to := p.To
		if !s.LeftOn.IsZero() && (to.IsZero() || s.LeftOn.Before(to)) {
			to = s.LeftOn
		}
		if sp.known && sp.holds(p.From, to) || !sp.known && s.SchoolID == schoolID {
			ref.Placed = Period{From: p.From, To: p.To}
			return ref, true
		}
	}
	return ref, false
}

// iupWritten reports whether a plan of the school year was published (or
// an old one uploaded): the written IUP is once per school year.
func iupWritten(f studentFacts, schoolYear string) bool {
	return slices.ContainsFunc(f.Plans, func(p planFact) bool { return p.Term.SchoolYear == schoolYear && (p.Published || p.Legacy) })
}
