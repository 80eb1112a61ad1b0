package staff

import (
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
	ts := targets{}
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
		if s.SchoolID != "" {
			ts.add(s.SchoolID, terms...)
		}
		for _, p := range f.Schools {
			ts.add(p.ID, terms...)
		}
	}
	for t := range d.terms {
		for _, sc := range ix.Schools {
			ts.add(sc, t)
		}
	}
	t := r.t
	for _, tg := range ts.sorted() {
		err := projections.Defer(r.tx, SchoolListsKey(t, tg.id, tg.term), func(tx projections.Tx) error {
			return renderSchool(newReader(tx, t), tg.id, tg.term)
		})
		if err != nil {
			return err
		}
	}
	return nil
}

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
		s, err := r.readStudent(id)
		if err != nil {
			return err
		}
		f, err := r.readStudentFacts(id)
		if err != nil {
			return err
		}
		s = inYear(s, f, sp)
		ref, ok := placed(s, f, schoolID, sp)
		if !ok {
			continue
		}
		shown = true
		du := duties.For(s.SchoolForm, s.Grade, s.GradesGiven)
		if signals := risksOf(f, term); len(signals) > 0 {
			for i := range signals {
				g := signals[i].Grade
				if g == 0 {
					g = s.Grade
				}
				signals[i].DutyYear = duties.For(s.SchoolForm, g, s.GradesGiven).RiskSignal
			}
			doc.AtRisk = append(doc.AtRisk, AtRiskRow{StudentRef: ref, Signals: signals})
		}
		if c := conferenceOf(f, term, !du.TalkPerTerm); c.Status != StatusHeld {
			doc.NoConference = append(doc.NoConference, ConferenceRow{StudentRef: ref, Conference: c})
		}
		if du.WrittenIUP && !iupWritten(f, term.SchoolYear) {
			doc.IUPDue = append(doc.IUPDue, PlanRow{StudentRef: ref, Plan: planOf(f, term)})
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
