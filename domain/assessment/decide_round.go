package assessment

import (
	"strings"

	"github.com/iup-platform/iup/domain"
)

func decideRound(s RoundState, c RoundCommand) ([]domain.Event, error) {
	if err := domain.CheckID("round_id", c.roundID()); err != nil {
		return nil, err
	}
	if create, ok := c.(CreateRound); ok {
		return decideCreate(s, create)
	}
	if !s.Exists {
		return nil, domain.NotFound("there is no assessment round with this id")
	}
	switch c := c.(type) {
	case PublishRound:
		by, err := authorizeTeacher(c.Actor, c.Facts)
		if err != nil {
			return nil, err
		}
		at := c.At.UTC()
		if c.At.IsZero() {
			at = c.Now.UTC()
		} else if at.Before(c.Now) {
			return nil, domain.Invalid("publish_at", "is in the past; leave it empty to publish now")
		}
		if s.Published && (at.Equal(s.PublishAt) || c.At.IsZero() && s.VisibleAt(c.Now)) {
			return nil, nil
		}
		return []domain.Event{RoundPublished{RoundID: s.ID, PublishAt: at, OnBehalfOf: by}}, nil
	case UnpublishRound:
		by, err := authorizeTeacher(c.Actor, c.Facts)
		if err != nil || !s.Published {
			return nil, err
		}
		return []domain.Event{RoundUnpublished{RoundID: s.ID, OnBehalfOf: by}}, nil
	case SetSelfAssessment:
		by, err := authorizeTeacher(c.Actor, c.Facts)
		if err != nil || s.SelfAssessment == c.Allowed {
			return nil, err
		}
		return []domain.Event{RoundSelfAssessmentChanged{RoundID: s.ID, Allowed: c.Allowed, OnBehalfOf: by}}, nil
	}
	return nil, domain.Invalid("command", "is not a round command")
}

func decideCreate(s RoundState, c CreateRound) ([]domain.Event, error) {
	title := strings.TrimSpace(c.Title)
	if err := firstError(
		domain.CheckID("course_id", c.CourseID),
		c.Term.Check("term"),
		domain.CheckID("scale_id", c.ScaleID),
		checkText("title", title, MaxTitle),
	); err != nil {
		return nil, err
	}
	if title == "" {
		return nil, domain.Invalid("title", "is required")
	}
	if !c.Facts.CourseExists {
		return nil, domain.NotFound("there is no course with this id")
	}
	by, err := authorizeTeacher(c.Actor, c.Facts)
	if err != nil {
		return nil, err
	}
	if !c.Facts.TermExists {
		return nil, domain.NotFound("the school year has no such term: create the school year and its terms first")
	}
	if !c.Facts.CoversTerm {
		return nil, domain.RuleViolated("the course is not taught in that term: choose a term the course covers")
	}
	if !c.Scale.Exists {
		return nil, domain.NotFound("there is no scale with this id")
	}
	ev := RoundCreated{
		RoundID: c.RoundID, CourseID: c.CourseID, Term: c.Term, Title: title, ScaleID: c.ScaleID,
		FreeText: c.Scale.FreeTextOnly || len(c.Scale.Steps) == 0, SelfAssessment: c.SelfAssessment, OnBehalfOf: by,
	}
	if !ev.FreeText {
		ev.Steps = append([]ScaleStep(nil), c.Scale.Steps...)
	}
	if s.Exists {
		// A repeated create (a retried request) decides nothing; a different
		// round under the same id is refused.
		if s.CourseID == ev.CourseID && s.Term == ev.Term && s.Title == ev.Title && s.ScaleID == ev.ScaleID {
			return nil, nil
		}
		return nil, domain.RuleViolated("an assessment round with this id already exists: choose another id")
	}
	return []domain.Event{ev}, nil
}
