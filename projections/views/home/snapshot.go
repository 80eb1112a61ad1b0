package home

import (
	"cmp"
	"slices"
	"sort"
	"time"

	"github.com/iup-platform/iup/domain"
	"github.com/iup-platform/iup/domain/assessment"
	"github.com/iup-platform/iup/projections"
	"github.com/iup-platform/iup/projections/views/relations"
)

// Snapshot is a student's plan and written assessments of one term, for
// staff (the API filters the plan's fields by the reader's role). Entries
// are chosen by their round's term, never by when they were edited; an edit
// after the term ended shows here as an amendment.
type Snapshot struct {
	StudentID   string         `json:"student_id"`
	Term        domain.TermRef `json:"term"`
	Protected   bool           `json:"protected"`
	Plan        *PlanContent   `json:"plan"`
	Assessments []EntryContent `json:"assessments"`
}

// PlanContent is a whole plan: every field with who may see and edit it.
type PlanContent struct {
	PlanID          string           `json:"plan_id"`
	Term            domain.TermRef   `json:"term"`
	Created         bool             `json:"created"` // false: only legacy documents
	TemplateID      string           `json:"template_id"`
	TemplateVersion int              `json:"template_version"`
	Title           string           `json:"title"`
	Start           domain.Date      `json:"start"`
	End             domain.Date      `json:"end"`
	Published       bool             `json:"published"`
	Archived        bool             `json:"archived"`
	Fields          []PlanField      `json:"fields"`
	Goals           []Goal           `json:"goals"`
	Agreements      []Agreement      `json:"agreements"`
	Legacy          []LegacyDocument `json:"legacy"`
	Revision        uint64           `json:"revision"`
}

// PlanField is one field of a plan with its rights from the template version.
type PlanField struct {
	Key        string        `json:"key"`
	Heading    string        `json:"heading"`
	VisibleTo  []domain.Role `json:"visible_to"`
	EditableBy []domain.Role `json:"editable_by"`
	Sensitive  bool          `json:"sensitive"`
	Text       string        `json:"text"`
	Culled     bool          `json:"culled"`
}

// VisibleToRole reports whether role r may see the field.
func (f PlanField) VisibleToRole(r domain.Role) bool { return slices.Contains(f.VisibleTo, r) }

// EntryContent is one student's entry in a round, whole.
type EntryContent struct {
	RoundID     string                 `json:"round_id"`
	CourseID    string                 `json:"course_id"`
	Subject     string                 `json:"subject"`
	CourseName  string                 `json:"course_name"`
	Title       string                 `json:"title"`
	Term        domain.TermRef         `json:"term"`
	Steps       []assessment.ScaleStep `json:"steps"`
	FreeText    bool                   `json:"free_text"`
	PublishAt   *time.Time             `json:"publish_at"`
	Level       string                 `json:"level"`
	Comment     string                 `json:"comment"`
	SelfLevel   string                 `json:"self_level"`
	SelfComment string                 `json:"self_comment"`
	Withdrawn   bool                   `json:"withdrawn"`
	Culled      bool                   `json:"culled"`
	Amendments  []Amendment            `json:"amendments"`
}

// studentEntry is an entry with its round and course.
type studentEntry struct {
	round  roundFact
	course relations.Course
	entry  entryFact
}

// studentEntries loads the student's entries of rounds (of term only,
// when term is set), sorted by term, subject and round.
func studentEntries(tx projections.Tx, t, student string, rounds []string, term *domain.TermRef) ([]studentEntry, error) {
	out := make([]studentEntry, 0, len(rounds))
	for _, id := range rounds {
		r, _, err := load[roundFact](tx, roundFactKey(t, id))
		if err != nil {
			return nil, err
		}
		if term != nil && r.Term != *term {
			continue
		}
		en, _, err := load[entryFact](tx, entryFactKey(t, id, student))
		if err != nil {
			return nil, err
		}
		c, _, err := relations.Load[relations.Course](tx, relations.CourseKey(t, r.CourseID))
		if err != nil {
			return nil, err
		}
		out = append(out, studentEntry{round: r, course: c, entry: en})
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		return cmp.Or(compareTerms(a.round.Term, b.round.Term), cmp.Compare(a.course.Subject, b.course.Subject),
			cmp.Compare(a.round.RoundID, b.round.RoundID)) < 0
	})
	return out, nil
}

func entryContent(r roundFact, c relations.Course, en entryFact) EntryContent {
	return EntryContent{RoundID: r.RoundID, CourseID: r.CourseID, Subject: c.Subject, CourseName: c.Name,
		Title: r.Title, Term: r.Term, Steps: orEmpty(r.Steps), FreeText: r.FreeText, PublishAt: r.PublishAt,
		Level: en.Level, Comment: en.Comment, SelfLevel: en.SelfLevel, SelfComment: en.SelfComment,
		Withdrawn: en.Withdrawn, Culled: en.Culled, Amendments: orEmpty(en.Amendments)}
}

func planContent(tx projections.Tx, t string, p planFact) *PlanContent {
	pc := &PlanContent{PlanID: p.PlanID, Term: p.Term, Created: p.Created, TemplateID: p.TemplateID,
		TemplateVersion: p.TemplateVersion, Title: p.Title, Start: p.Start, End: p.End,
		Published: p.Published, Archived: p.Archived, Fields: []PlanField{}, Goals: orEmpty(p.Goals),
		Agreements: orEmpty(p.Agreements), Legacy: orEmpty(p.Legacy), Revision: p.Revision}
	for _, f := range fieldDefs(tx, t, p) {
		v := p.Values[f.Key]
		pc.Fields = append(pc.Fields, PlanField{Key: f.Key, Heading: f.Heading, VisibleTo: orEmpty(f.VisibleTo),
			EditableBy: orEmpty(f.EditableBy), Sensitive: f.Sensitive || v.Sensitive, Text: v.Text, Culled: v.Culled})
	}
	return pc
}

// renderSnapshot writes (or removes, when the term holds nothing) the
// student's snapshot of term.
func renderSnapshot(tx projections.Tx, t, student string, term domain.TermRef) error {
	key := TermSnapshotKey(t, student, term)
	rel, _, err := relations.Load[relations.Student](tx, relations.StudentKey(t, student))
	if err != nil {
		return err
	}
	s := Snapshot{StudentID: student, Term: term, Protected: rel.Protected, Assessments: []EntryContent{}}
	idx, _, err := load[studentFacts](tx, studentFactKey(t, student))
	if err != nil {
		return err
	}
	for _, id := range idx.Plans {
		p, _, err := load[planFact](tx, planFactKey(t, id))
		if err != nil {
			return err
		}
		if p.Term == term {
			s.Plan = planContent(tx, t, p)
		}
	}
	entries, err := studentEntries(tx, t, student, idx.Rounds, &term)
	if err != nil {
		return err
	}
	for _, se := range entries {
		s.Assessments = append(s.Assessments, entryContent(se.round, se.course, se.entry))
	}
	if s.Plan == nil && len(s.Assessments) == 0 {
		tx.Delete(key)
		return nil
	}
	return projections.PutJSON(tx, key, s)
}

// studentTerms lists every term the student has content in.
func studentTerms(tx projections.Tx, t, student string) ([]domain.TermRef, error) {
	idx, _, err := load[studentFacts](tx, studentFactKey(t, student))
	if err != nil {
		return nil, err
	}
	var terms []domain.TermRef
	add := func(term domain.TermRef) {
		if !slices.Contains(terms, term) {
			terms = append(terms, term)
		}
	}
	for _, id := range idx.Plans {
		p, _, err := load[planFact](tx, planFactKey(t, id))
		if err != nil {
			return nil, err
		}
		add(p.Term)
	}
	for _, id := range idx.Rounds {
		r, _, err := load[roundFact](tx, roundFactKey(t, id))
		if err != nil {
			return nil, err
		}
		add(r.Term)
	}
	slices.SortFunc(terms, compareTerms)
	return terms, nil
}

// termSnapshots renders the term snapshots: per student and term (TermSnapshotKey)
// the whole plan of that term and the omdömen of rounds of that term.
func termSnapshots(tx projections.Tx, t string, d *dirty) error {
	// Renders share d with the family's other views: read it, never change it.
	var all map[string][]domain.TermRef // students whose every term changes
	for _, s := range sortedKeys(d.allTerms) {
		terms, err := studentTerms(tx, t, s)
		if err != nil {
			return err
		}
		if all == nil {
			all = map[string][]domain.TermRef{}
		}
		all[s] = terms
	}
	for _, s := range sortedKeys(d.students) {
		terms, ok := all[s]
		if !ok {
			terms = d.terms[s]
		}
		for _, term := range terms {
			err := projections.Defer(tx, TermSnapshotKey(t, s, term), func(tx projections.Tx) error { return renderSnapshot(tx, t, s, term) })
			if err != nil {
				return err
			}
		}
	}
	return nil
}
