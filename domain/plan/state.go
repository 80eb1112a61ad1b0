package plan

import (
	"slices"

	"github.com/iup-platform/iup/domain"
)

// Owner is who acts on a goal: what the school, the student or the guardian
// will do (skolan, eleven, vårdnadshavaren).
type Owner string

// The owners of a goal.
const (
	OwnerSchool   Owner = "school"
	OwnerStudent  Owner = "student"
	OwnerGuardian Owner = "guardian"
)

// Valid reports whether o is a known owner.
func (o Owner) Valid() bool { return o == OwnerSchool || o == OwnerStudent || o == OwnerGuardian }

// Outcome is the evaluation of a goal.
type Outcome string

// The outcomes of a goal's evaluation.
const (
	Met       Outcome = "met"
	PartlyMet Outcome = "partly-met"
	NotMet    Outcome = "not-met"
)

// Valid reports whether o is a known outcome.
func (o Outcome) Valid() bool { return o == Met || o == PartlyMet || o == NotMet }

// Goal is one goal as it stands.
type Goal struct {
	ID        string
	Text      string
	Owner     Owner
	FollowUp  domain.Date
	Evaluated bool
	Outcome   Outcome
	Comment   string
}

// Document is an uploaded legacy plan.
type Document struct {
	ID, FileName, MediaType, SHA256 string
	Size                            int64
}

// State is a plan folded from its stream.
type State struct {
	// Created: the plan was made from a template. A stream holding only
	// legacy documents is not created.
	Created         bool
	PlanID          string
	StudentID       string
	Term            domain.TermRef
	TemplateID      string
	TemplateVersion int
	Title           string
	Start, End      domain.Date
	Fields          []FieldDef
	Texts           map[string]string
	Goals           []Goal
	Agreements      map[string][]string // by conference id
	Published       bool
	Archived        bool
	Documents       []Document
}

// Field returns the plan's definition of field key.
func (s State) Field(key string) (FieldDef, bool) {
	for _, f := range s.Fields {
		if f.Key == key {
			return f, true
		}
	}
	return FieldDef{}, false
}

// Goal returns the goal with id.
func (s State) Goal(id string) (Goal, bool) {
	for _, g := range s.Goals {
		if g.ID == id {
			return g, true
		}
	}
	return Goal{}, false
}

// Document returns the legacy document with id.
func (s State) Document(id string) (Document, bool) {
	for _, d := range s.Documents {
		if d.ID == id {
			return d, true
		}
	}
	return Document{}, false
}

// CanEdit reports whether the field lets role edit it.
func (f FieldDef) CanEdit(r domain.Role) bool { return slices.Contains(f.EditableBy, r) }

// evolve applies one event. It copies what it changes, so a state folded
// earlier (a decision's input) is never modified.
func evolve(s State, ev domain.Event) State {
	switch e := ev.(type) {
	case Created:
		s.Created, s.PlanID, s.StudentID, s.Term = true, e.PlanID, e.StudentID, e.Term
		s.TemplateID, s.TemplateVersion, s.Title = e.TemplateID, e.TemplateVersion, e.Title
		s.Start, s.End, s.Fields = e.Start, e.End, e.Fields
	case FieldSet:
		texts := make(map[string]string, len(s.Texts)+1)
		for k, v := range s.Texts {
			texts[k] = v
		}
		texts[e.Key] = e.Text
		s.Texts = texts
	case GoalAdded:
		s.Goals = append(slices.Clone(s.Goals), Goal{ID: e.GoalID, Text: e.Text, Owner: e.Owner, FollowUp: e.FollowUp})
	case GoalEdited:
		s.Goals = updateGoal(s.Goals, e.GoalID, func(g *Goal) { g.Text, g.Owner, g.FollowUp = e.Text, e.Owner, e.FollowUp })
	case GoalEvaluated:
		s.Goals = updateGoal(s.Goals, e.GoalID, func(g *Goal) { g.Evaluated, g.Outcome, g.Comment = true, e.Outcome, e.Comment })
	case AgreementsRecorded:
		agreements := make(map[string][]string, len(s.Agreements)+1)
		for k, v := range s.Agreements {
			agreements[k] = v
		}
		agreements[e.ConferenceID] = slices.Clone(e.Agreements)
		s.Agreements = agreements
	case Published:
		s.Published = true
	case Unpublished:
		s.Published = false
	case Archived:
		s.Archived = true
	case LegacyDocumentAttached:
		s.PlanID, s.StudentID, s.Term = e.PlanID, e.StudentID, e.Term
		s.Documents = append(slices.Clone(s.Documents), Document{ID: e.DocumentID, FileName: e.FileName, MediaType: e.MediaType, Size: e.Size, SHA256: e.SHA256})
	}
	return s
}

func updateGoal(goals []Goal, id string, change func(*Goal)) []Goal {
	out := slices.Clone(goals)
	for i := range out {
		if out[i].ID == id {
			change(&out[i])
		}
	}
	return out
}
