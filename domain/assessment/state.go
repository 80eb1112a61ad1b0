package assessment

import (
	"time"

	"github.com/iup-platform/iup/domain"
)

// RoundState is a folded round.
type RoundState struct {
	Exists         bool
	ID             string
	CourseID       string
	Term           domain.TermRef
	Title          string
	ScaleID        string
	Steps          []ScaleStep
	FreeText       bool
	SelfAssessment bool
	Published      bool
	PublishAt      time.Time
}

// HasStep reports whether key is a step of the round's scale.
func (r RoundState) HasStep(key string) bool {
	for _, s := range r.Steps {
		if s.Key == key {
			return true
		}
	}
	return false
}

// VisibleAt reports whether the round is published and its publish time has come.
func (r RoundState) VisibleAt(now time.Time) bool {
	return r.Published && !now.Before(r.PublishAt)
}

// EntryState is a folded entry.
type EntryState struct {
	Written     bool // any event so far
	Level       string
	Comment     string
	SelfLevel   string
	SelfComment string
	Amendments  int
	Withdrawals int
}

func evolveRound(s RoundState, ev domain.Event) RoundState {
	switch e := ev.(type) {
	case RoundCreated:
		s = RoundState{Exists: true, ID: e.RoundID, CourseID: e.CourseID, Term: e.Term, Title: e.Title,
			ScaleID: e.ScaleID, Steps: e.Steps, FreeText: e.FreeText, SelfAssessment: e.SelfAssessment}
	case RoundPublished:
		s.Published, s.PublishAt = true, e.PublishAt
	case RoundUnpublished:
		s.Published, s.PublishAt = false, time.Time{}
	case RoundSelfAssessmentChanged:
		s.SelfAssessment = e.Allowed
	}
	return s
}

func evolveEntry(s EntryState, ev domain.Event) EntryState {
	s.Written = true
	switch e := ev.(type) {
	case EntryLevelSet:
		s.Level = e.Level
	case EntryCommentSet:
		s.Comment = e.Comment
	case SelfLevelSet:
		s.SelfLevel = e.Level
	case SelfCommentSet:
		s.SelfComment = e.Comment
	case EntryAmended:
		s.Amendments++
		switch e.Field {
		case FieldLevel:
			s.Level = e.Level
		case FieldComment:
			s.Comment = e.Comment
		case FieldSelfLevel:
			s.SelfLevel = e.Level
		case FieldSelfComment:
			s.SelfComment = e.Comment
		}
	case EntryWithdrawn:
		s.Withdrawals++
		s.Level, s.Comment = "", ""
	}
	return s
}

// RoundDecider is the assessment round aggregate.
var RoundDecider = domain.Decider[RoundState, RoundCommand]{
	Initial: func() RoundState { return RoundState{} },
	Decide:  decideRound,
	Evolve:  evolveRound,
	Keep:    "assessment.round",
}

// EntryDecider is the aggregate of one student's entry in a round.
var EntryDecider = domain.Decider[EntryState, EntryCommand]{
	Initial: func() EntryState { return EntryState{} },
	Decide:  decideEntry,
	Evolve:  evolveEntry,
	Keep:    "assessment.entry",
}
