package handlers

import (
	"context"
	"time"

	"github.com/iup-platform/iup/domain"
	"github.com/iup-platform/iup/domain/assessment"
)

// Assessment commands (skriftliga omdömen): rounds per course and term,
// entries per student, self-assessment, bulk levels, publication.

func (a *API) createRound(ctx context.Context, c *cmd) (written, error) {
	course, err := c.Var("course_id")
	if err != nil {
		return written{}, err
	}
	var in struct {
		ID             string  `json:"id"`
		Term           termRef `json:"term"`
		Title          string  `json:"title"`
		ScaleID        string  `json:"scale_id"`
		SelfAssessment bool    `json:"self_assessment"`
	}
	if err := c.Decode(&in); err != nil {
		return written{}, err
	}
	id := orNewID(c, in.ID, "round-")
	c.Stream = assessment.RoundStream(c.Tenant(), id)
	res, err := assessment.HandleRound(ctx, c.Log, assessment.CreateRound{Meta: c.Meta, RoundID: id, CourseID: course,
		Term: domain.TermRef(in.Term), Title: in.Title, ScaleID: in.ScaleID, SelfAssessment: in.SelfAssessment}, nil)
	if err != nil {
		return written{}, err
	}
	return createdAt("/v1/assessments/"+id, id, res), nil
}

// round runs a command on the round in the path.
func (a *API) round(build func(c *cmd, id string) (assessment.RoundCommand, error)) commandFunc {
	return func(ctx context.Context, c *cmd) (written, error) {
		id, err := c.Var("round_id")
		if err != nil {
			return written{}, err
		}
		rc, err := build(c, id)
		if err != nil {
			return written{}, err
		}
		c.Stream = assessment.RoundStream(c.Tenant(), id)
		res, err := assessment.HandleRound(ctx, c.Log, rc, c.IfMatch)
		if err != nil {
			return written{}, err
		}
		return changedTo(res), nil
	}
}

func publishRound(c *cmd, id string) (assessment.RoundCommand, error) {
	var in struct {
		// At publishes later ("publish now or later"); now when absent.
		At *time.Time `json:"at"`
	}
	if len(c.body) > 0 {
		if err := c.Decode(&in); err != nil {
			return nil, err
		}
	}
	at := c.Meta.Now
	if in.At != nil {
		at = in.At.UTC()
	}
	return assessment.PublishRound{Meta: c.Meta, RoundID: id, At: at}, nil
}

func unpublishRound(c *cmd, id string) (assessment.RoundCommand, error) {
	return assessment.UnpublishRound{Meta: c.Meta, RoundID: id}, nil
}

func setSelfAssessmentAllowed(c *cmd, id string) (assessment.RoundCommand, error) {
	var in struct {
		Allowed bool `json:"allowed"`
	}
	err := c.Decode(&in)
	return assessment.SetSelfAssessment{Meta: c.Meta, RoundID: id, Allowed: in.Allowed}, err
}

// entryBody is a teacher's or a student's edit of one entry. Level and
// comment are each optional; reason is required after the term has ended
// (an amendment).
type entryBody struct {
	Level   *string `json:"level"`
	Comment *string `json:"comment"`
	Reason  string  `json:"reason"`
}

// entry writes the level and/or comment of one student's entry: the
// teacher's own (self=false) or the student's self-assessment.
func (a *API) entry(self bool) commandFunc {
	return func(ctx context.Context, c *cmd) (written, error) {
		round, err := c.Var("round_id")
		if err != nil {
			return written{}, err
		}
		student, err := c.Var("student_id")
		if err != nil {
			return written{}, err
		}
		var in entryBody
		if err := c.Decode(&in); err != nil {
			return written{}, err
		}
		if in.Level == nil && in.Comment == nil {
			return written{}, badBody("", "Name level, comment or both.")
		}
		var cmds []assessment.EntryCommand
		if in.Level != nil {
			if self {
				cmds = append(cmds, assessment.SetSelfLevel{Meta: c.Meta, RoundID: round, StudentID: student, Level: *in.Level, Reason: in.Reason})
			} else {
				cmds = append(cmds, assessment.SetLevel{Meta: c.Meta, RoundID: round, StudentID: student, Level: *in.Level, Reason: in.Reason})
			}
		}
		if in.Comment != nil {
			if self {
				cmds = append(cmds, assessment.SetSelfComment{Meta: c.Meta, RoundID: round, StudentID: student, Comment: *in.Comment, Reason: in.Reason})
			} else {
				cmds = append(cmds, assessment.SetComment{Meta: c.Meta, RoundID: round, StudentID: student, Comment: *in.Comment, Reason: in.Reason})
			}
		}
		return a.entryCommands(ctx, c, round, student, cmds...)
	}
}

// entryCommands runs commands on one entry in order; If-Match guards the
// first, and each later one expects the revision the previous left.
func (a *API) entryCommands(ctx context.Context, c *cmd, round, student string, cmds ...assessment.EntryCommand) (written, error) {
	c.Stream = assessment.EntryStream(c.Tenant(), round, student)
	ifMatch := c.IfMatch
	var last domain.Result
	var positions []string
	for _, ec := range cmds {
		res, err := assessment.HandleEntry(ctx, c.Log, ec, ifMatch)
		if err != nil {
			return written{}, err
		}
		positions = append(positions, res.Position)
		last = res
		if ifMatch != nil {
			v := res.Version
			ifMatch = &v
		}
	}
	last.Position = ""
	out := changedTo(last)
	out.Positions = positions
	return out, nil
}

func (a *API) withdrawEntry(ctx context.Context, c *cmd) (written, error) {
	round, err := c.Var("round_id")
	if err != nil {
		return written{}, err
	}
	student, err := c.Var("student_id")
	if err != nil {
		return written{}, err
	}
	var in struct {
		Reason string `json:"reason"`
	}
	if err := c.Decode(&in); err != nil {
		return written{}, err
	}
	return a.entryCommands(ctx, c, round, student, assessment.WithdrawEntry{Meta: c.Meta, RoundID: round, StudentID: student, Reason: in.Reason})
}

// bulkLevel sets one level for many students of a round in one request,
// reporting each student's outcome.
func (a *API) bulkLevel(ctx context.Context, c *cmd) (written, error) {
	round, err := c.Var("round_id")
	if err != nil {
		return written{}, err
	}
	var in struct {
		Level      string   `json:"level"`
		Reason     string   `json:"reason"`
		StudentIDs []string `json:"student_ids"`
	}
	if err := c.Decode(&in); err != nil {
		return written{}, err
	}
	results, err := assessment.SetLevels(ctx, c.Log, assessment.BulkSetLevel{Meta: c.Meta, RoundID: round, Level: in.Level,
		Reason: in.Reason, StudentIDs: in.StudentIDs})
	if err != nil {
		return written{}, err
	}
	body := bulkBody{Results: make([]bulkOutcome, 0, len(results))}
	var positions []string
	for _, r := range results {
		body.Results = append(body.Results, bulkOutcome{StudentID: r.StudentID, Status: string(r.Outcome), Code: string(r.Code),
			Message: r.Message, Revision: revisionPtr(r.Version)})
		positions = append(positions, r.Position)
	}
	return written{Body: body, Positions: positions}, nil
}
