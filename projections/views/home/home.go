// Package home holds the views of the home and the records: what a guardian
// (vårdnadshavare) and a student (elev) see, the term snapshot of a student's
// plan and written assessments (skriftliga omdömen), and the frozen record of
// a held development talk (utvecklingssamtal).
//
// Each view folds the content events into helper documents under "facts/"
// (and the roster relations under "rel/"), neither served, then renders the
// served documents the event can change. Dates of relations and publication
// instants are stored as they are; the API judges them against today.
package home

import (
	"cmp"
	"slices"
	"time"

	"github.com/iup-platform/iup/domain"
	"github.com/iup-platform/iup/domain/assessment"
	"github.com/iup-platform/iup/domain/plan"
	"github.com/iup-platform/iup/projections"
	"github.com/iup-platform/iup/projections/views/relations"
)

// Name is the projection that serves the four home views.
const Name = "home"

// Names of the views; every served key starts with its view's name.
const (
	GuardianViewName     = "home-guardian"
	StudentViewName      = "home-student"
	TermSnapshotName     = "term-snapshot"
	ConferenceRecordName = "conference-record"
)

// GuardianKey is the key of a guardian's list of children.
func GuardianKey(tenant, guardianID string) string {
	return GuardianViewName + "/" + tenant + "/guardian/" + guardianID
}

// ChildKey is the key of what the guardians of a student see of the
// student; every guardian the relation allows reads the same document.
func ChildKey(tenant, studentID string) string {
	return GuardianViewName + "/" + tenant + "/child/" + studentID
}

// StudentKey is the key of what a student sees of themself.
func StudentKey(tenant, studentID string) string {
	return StudentViewName + "/" + tenant + "/" + studentID
}

// TermSnapshotKey is the key of a student's snapshot of one term.
func TermSnapshotKey(tenant, studentID string, term domain.TermRef) string {
	return TermSnapshotName + "/" + tenant + "/" + studentID + "/" + term.String()
}

// ConferenceRecordKey is the key of the record of a held talk.
func ConferenceRecordKey(tenant, conferenceID string) string {
	return ConferenceRecordName + "/" + tenant + "/" + conferenceID
}

// Child is what the home sees of one student: the guardians' document
// (ChildKey, fields visible to guardians) or the student's own (StudentKey,
// fields visible to the student, and their self-assessments).
type Child struct {
	StudentID   string           `json:"student_id"`
	Audience    domain.Role      `json:"audience"`
	Protected   bool             `json:"protected"` // protected identity: handle with care
	Plans       []HomePlan       `json:"plans"`
	Terms       []HomeTerm       `json:"terms"`
	Conferences []HomeConference `json:"conferences"`
}

// HomePlan is a published plan with only the fields the audience may see.
type HomePlan struct {
	PlanID     string         `json:"plan_id"`
	Term       domain.TermRef `json:"term"`
	Title      string         `json:"title"`
	Start      domain.Date    `json:"start"`
	End        domain.Date    `json:"end"`
	Archived   bool           `json:"archived"`
	Fields     []HomeField    `json:"fields"`
	Goals      []Goal         `json:"goals"`
	Agreements []Agreement    `json:"agreements"`
}

// HomeField is one visible field of a plan. Sensitive is a warning: the
// text is shown in the plan and nowhere else.
type HomeField struct {
	Key       string `json:"key"`
	Heading   string `json:"heading"`
	Text      string `json:"text"`
	Sensitive bool   `json:"sensitive"`
	Culled    bool   `json:"culled"`
}

// HomeTerm is the written assessments of one term, chosen by their round's term.
type HomeTerm struct {
	Term    domain.TermRef `json:"term"`
	Entries []HomeEntry    `json:"entries"`
}

// HomeEntry is one omdöme. PublishAt is when the round becomes visible: the
// reader hides the teacher's level and comment until then (see At). The
// self-assessment is only in the student's own document.
type HomeEntry struct {
	RoundID     string                 `json:"round_id"`
	CourseID    string                 `json:"course_id"`
	Subject     string                 `json:"subject"`
	CourseName  string                 `json:"course_name"`
	Title       string                 `json:"title"`
	Steps       []assessment.ScaleStep `json:"steps"`
	PublishAt   *time.Time             `json:"publish_at"`
	Level       string                 `json:"level"`
	Comment     string                 `json:"comment"`
	Withdrawn   bool                   `json:"withdrawn"`
	Amended     bool                   `json:"amended"`
	SelfLevel   string                 `json:"self_level,omitempty"`
	SelfComment string                 `json:"self_comment,omitempty"`
	Culled      bool                   `json:"culled"`
}

// Published reports whether the teacher's part is visible at instant now.
func (e HomeEntry) Published(now time.Time) bool {
	return e.PublishAt != nil && !now.Before(*e.PublishAt)
}

// HomeConference is a talk as the home sees it: time, place and outcome,
// never the internal notes; the action programme only when the organiser's
// setting recorded at the talk allowed it.
type HomeConference struct {
	ConferenceID        string            `json:"conference_id"`
	Term                domain.TermRef    `json:"term"`
	At                  time.Time         `json:"at"`
	Place               string            `json:"place"`
	InterpreterLanguage string            `json:"interpreter_language,omitempty"`
	Status              string            `json:"status"`
	HeldAt              *time.Time        `json:"held_at,omitempty"`
	Agreements          []string          `json:"agreements"`
	ActionProgramme     *HomeSupport      `json:"action_programme,omitempty"`
	Acknowledgements    []Acknowledgement `json:"acknowledgements"`
	Culled              bool              `json:"culled"`
}

// HomeSupport is an action programme finding shown to the home.
type HomeSupport struct {
	Note   string `json:"note"`
	Culled bool   `json:"culled"`
}

// At returns c as the home sees it at instant now: entries of rounds not yet
// published are gone for guardians; for the student only their own
// self-assessment stays. Terms left empty are dropped.
func (c Child) At(now time.Time) Child {
	out := c
	out.Terms = nil
	for _, t := range c.Terms {
		var es []HomeEntry
		for _, e := range t.Entries {
			switch {
			case e.Published(now):
				es = append(es, e)
			case c.Audience == domain.RoleStudent && (e.SelfLevel != "" || e.SelfComment != ""):
				e.Level, e.Comment, e.Withdrawn, e.Amended = "", "", false, false
				es = append(es, e)
			}
		}
		if len(es) > 0 {
			out.Terms = append(out.Terms, HomeTerm{Term: t.Term, Entries: es})
		}
	}
	return out
}

// childFacts is what a child's documents are made of, loaded once for
// every audience (child makes what one audience sees).
type childFacts struct {
	student   string
	protected bool
	plans     []planFact // created and published
	entries   []studentEntry
	confs     []confFact
}

func loadChild(tx projections.Tx, t, student string) (childFacts, error) {
	f := childFacts{student: student}
	rel, _, err := relations.Load[relations.Student](tx, relations.StudentKey(t, student))
	if err != nil {
		return f, err
	}
	f.protected = rel.Protected
	idx, _, err := load[studentFacts](tx, studentFactKey(t, student))
	if err != nil {
		return f, err
	}
	for _, id := range idx.Plans {
		p, _, err := load[planFact](tx, planFactKey(t, id))
		if err != nil {
			return f, err
		}
		if p.Created && p.Published {
			f.plans = append(f.plans, p)
		}
	}
	if f.entries, err = studentEntries(tx, t, student, idx.Rounds, nil); err != nil {
		return f, err
	}
	for _, id := range idx.Conferences {
		cf, _, err := load[confFact](tx, confFactKey(t, id))
		if err != nil {
			return f, err
		}
		f.confs = append(f.confs, cf)
	}
	return f, nil
}

// child makes the child's document for audience.
func (f childFacts) child(tx projections.Tx, t string, audience domain.Role) Child {
	c := Child{StudentID: f.student, Audience: audience, Protected: f.protected, Plans: []HomePlan{}, Terms: []HomeTerm{}, Conferences: []HomeConference{}}
	for _, p := range f.plans {
		c.Plans = append(c.Plans, homePlan(tx, t, p, audience))
	}
	slices.SortFunc(c.Plans, func(a, b HomePlan) int { return compareTerms(a.Term, b.Term) })
	for _, se := range f.entries {
		e, ok := homeEntry(se, audience)
		if !ok {
			continue
		}
		if n := len(c.Terms); n == 0 || c.Terms[n-1].Term != se.round.Term {
			c.Terms = append(c.Terms, HomeTerm{Term: se.round.Term})
		}
		c.Terms[len(c.Terms)-1].Entries = append(c.Terms[len(c.Terms)-1].Entries, e)
	}
	for _, cf := range f.confs {
		c.Conferences = append(c.Conferences, homeConference(cf))
	}
	slices.SortFunc(c.Conferences, func(a, b HomeConference) int {
		return cmp.Or(a.At.Compare(b.At), cmp.Compare(a.ConferenceID, b.ConferenceID))
	})
	return c
}

func compareTerms(a, b domain.TermRef) int {
	return cmp.Or(cmp.Compare(a.SchoolYear, b.SchoolYear), cmp.Compare(a.Kind, b.Kind))
}

// fieldDefs are the plan's own copy of its template version's fields, or
// the template version from the relations when the plan carries none.
func fieldDefs(tx projections.Tx, t string, p planFact) []plan.FieldDef {
	if len(p.Fields) > 0 {
		return p.Fields
	}
	tpl, _, err := relations.Load[relations.Template](tx, relations.TemplateKey(t, p.TemplateID))
	if err != nil {
		return nil
	}
	v, _ := tpl.Version(p.TemplateVersion)
	defs := make([]plan.FieldDef, 0, len(v.Fields))
	for _, f := range v.Fields {
		defs = append(defs, plan.FieldDef{Key: f.Key, Heading: f.Heading, VisibleTo: f.VisibleTo, EditableBy: f.EditableBy, Sensitive: f.Sensitive})
	}
	return defs
}

func homePlan(tx projections.Tx, t string, p planFact, audience domain.Role) HomePlan {
	h := HomePlan{PlanID: p.PlanID, Term: p.Term, Title: p.Title, Start: p.Start, End: p.End, Archived: p.Archived,
		Fields: []HomeField{}, Goals: orEmpty(p.Goals), Agreements: orEmpty(p.Agreements)}
	for _, f := range fieldDefs(tx, t, p) {
		if !slices.Contains(f.VisibleTo, audience) {
			continue
		}
		v := p.Values[f.Key]
		h.Fields = append(h.Fields, HomeField{Key: f.Key, Heading: f.Heading, Text: v.Text, Sensitive: f.Sensitive || v.Sensitive, Culled: v.Culled})
	}
	return h
}

func homeEntry(se studentEntry, audience domain.Role) (HomeEntry, bool) {
	r, en := se.round, se.entry
	e := HomeEntry{RoundID: r.RoundID, CourseID: r.CourseID, Subject: se.course.Subject, CourseName: se.course.Name,
		Title: r.Title, Steps: orEmpty(r.Steps), PublishAt: r.PublishAt, Culled: en.Culled}
	if r.PublishAt != nil {
		e.Level, e.Comment, e.Withdrawn, e.Amended = en.Level, en.Comment, en.Withdrawn, len(en.Amendments) > 0
	}
	if audience == domain.RoleStudent {
		e.SelfLevel, e.SelfComment = en.SelfLevel, en.SelfComment
		return e, r.PublishAt != nil || e.SelfLevel != "" || e.SelfComment != ""
	}
	return e, r.PublishAt != nil
}

func homeConference(c confFact) HomeConference {
	h := HomeConference{ConferenceID: c.ConferenceID, Term: c.Term, At: c.At, Place: c.Place,
		InterpreterLanguage: c.InterpreterLanguage, Status: c.Status, HeldAt: c.HeldAt,
		Agreements: orEmpty(c.Agreements), Acknowledgements: orEmpty(c.Acknowledgements), Culled: c.Culled}
	if a := c.ActionProgramme; a != nil && a.ShowToHome {
		h.ActionProgramme = &HomeSupport{Note: a.Note, Culled: a.Culled}
	}
	return h
}

func orEmpty[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
