package handlers

import (
	"context"
	"net/http"

	"github.com/iup-platform/iup/domain"
	"github.com/iup-platform/iup/domain/plan"
)

// Plan commands (IUP): bulk and single creation, field edits, goals and
// their evaluation, agreements, publication, archiving, old documents.

type planHeader struct {
	TemplateID string      `json:"template_id"`
	Term       termRef     `json:"term"`
	Title      string      `json:"title"`
	Start      domain.Date `json:"start"`
	End        domain.Date `json:"end"`
}

// createPlans makes one plan per student from one template (the mentor's
// "plans for the class in one request").
func (a *API) createPlans(ctx context.Context, c *cmd) (written, error) {
	var in struct {
		planHeader
		StudentIDs []string `json:"student_ids"`
	}
	if err := c.Decode(&in); err != nil {
		return written{}, err
	}
	outs, err := plan.HandleCreateMany(ctx, c.Log, plan.CreateMany{Meta: c.Meta, TemplateID: in.TemplateID,
		Term: domain.TermRef(in.Term), Title: in.Title, Start: in.Start, End: in.End, StudentIDs: in.StudentIDs})
	if err != nil {
		return written{}, err
	}
	body := bulkBody{Results: make([]bulkOutcome, 0, len(outs))}
	var positions []string
	for _, o := range outs {
		body.Results = append(body.Results, bulkOutcome{StudentID: o.StudentID, ID: o.PlanID, Status: string(o.Status),
			Code: string(o.Code), Message: o.Message, Revision: revisionPtr(o.Version)})
		positions = append(positions, o.Position)
	}
	return written{Body: body, Positions: positions}, nil
}

func (a *API) createPlan(ctx context.Context, c *cmd) (written, error) {
	var in struct {
		planHeader
		StudentID string `json:"student_id"`
	}
	if err := c.Decode(&in); err != nil {
		return written{}, err
	}
	term := domain.TermRef(in.Term)
	if err := domain.CheckID("student_id", in.StudentID); err != nil {
		return written{}, err
	}
	c.Stream = plan.Stream(c.Tenant(), in.StudentID, term)
	res, err := plan.HandleCreate(ctx, c.Log, plan.Create{Meta: c.Meta, Target: plan.Target{StudentID: in.StudentID, Term: term},
		TemplateID: in.TemplateID, Title: in.Title, Start: in.Start, End: in.End})
	if err != nil {
		return written{}, err
	}
	id := plan.ID(in.StudentID, term)
	return createdAt("/v1/plans/"+id, id, res), nil
}

// planCmd runs a command on the plan in the path.
func (a *API) planCmd(build func(c *cmd, t plan.Target) (plan.Command, error)) commandFunc {
	return func(ctx context.Context, c *cmd) (written, error) {
		student, term, err := plan.ParseID(muxVar(c.r, "plan_id"))
		if err != nil {
			return written{}, badPath("plan_id", err.Error())
		}
		t := plan.Target{StudentID: student, Term: term}
		pc, err := build(c, t)
		if err != nil {
			return written{}, err
		}
		c.Stream = plan.Stream(c.Tenant(), student, term)
		res, err := plan.Handle(ctx, c.Log, pc, c.IfMatch)
		if err != nil {
			return written{}, err
		}
		return changedTo(res), nil
	}
}

func setPlanField(c *cmd, t plan.Target) (plan.Command, error) {
	var in struct {
		Text     string `json:"text"`
		CourseID string `json:"course_id"`
		Reason   string `json:"reason"`
	}
	err := c.Decode(&in)
	return plan.SetField{Meta: c.Meta, Target: t, Key: muxVar(c.r, "key"), Text: in.Text, CourseID: in.CourseID, Reason: in.Reason}, err
}

type goalBody struct {
	ID       string      `json:"id"`
	Text     string      `json:"text"`
	Owner    plan.Owner  `json:"owner"`
	FollowUp domain.Date `json:"follow_up"`
	Reason   string      `json:"reason"`
}

// addGoal answers 201 with the goal's id.
func (a *API) addGoal(ctx context.Context, c *cmd) (written, error) {
	var goalID string
	out, err := a.planCmd(func(c *cmd, t plan.Target) (plan.Command, error) {
		var in goalBody
		if err := c.Decode(&in); err != nil {
			return nil, err
		}
		goalID = orNewID(c, in.ID, "goal-")
		return plan.AddGoal{Meta: c.Meta, Target: t, GoalID: goalID, Text: in.Text, Owner: in.Owner, FollowUp: in.FollowUp, Reason: in.Reason}, nil
	})(ctx, c)
	if err != nil {
		return written{}, err
	}
	out.Status = http.StatusCreated
	out.Location = c.r.URL.Path + "/" + goalID
	out.Body = created{ID: goalID, Revision: out.Body.(changed).Revision}
	return out, nil
}

func editGoal(c *cmd, t plan.Target) (plan.Command, error) {
	var in goalBody
	if err := c.Decode(&in); err != nil {
		return nil, err
	}
	if in.ID != "" {
		return nil, badBody("id", "The goal id is the one in the path; leave it out.")
	}
	return plan.EditGoal{Meta: c.Meta, Target: t, GoalID: muxVar(c.r, "goal_id"), Text: in.Text, Owner: in.Owner, FollowUp: in.FollowUp, Reason: in.Reason}, nil
}

func evaluateGoal(c *cmd, t plan.Target) (plan.Command, error) {
	var in struct {
		Outcome plan.Outcome `json:"outcome"`
		Comment string       `json:"comment"`
		Reason  string       `json:"reason"`
	}
	err := c.Decode(&in)
	return plan.EvaluateGoal{Meta: c.Meta, Target: t, GoalID: muxVar(c.r, "goal_id"), Outcome: in.Outcome, Comment: in.Comment, Reason: in.Reason}, err
}

func recordAgreements(c *cmd, t plan.Target) (plan.Command, error) {
	var in struct {
		ConferenceID string   `json:"conference_id"`
		Agreements   []string `json:"agreements"`
		Reason       string   `json:"reason"`
	}
	err := c.Decode(&in)
	return plan.RecordAgreements{Meta: c.Meta, Target: t, ConferenceID: in.ConferenceID, Agreements: in.Agreements, Reason: in.Reason}, err
}

func publishPlan(c *cmd, t plan.Target) (plan.Command, error) {
	return plan.Publish{Meta: c.Meta, Target: t}, nil
}

func unpublishPlan(c *cmd, t plan.Target) (plan.Command, error) {
	return plan.Unpublish{Meta: c.Meta, Target: t}, nil
}

func archivePlan(c *cmd, t plan.Target) (plan.Command, error) {
	return plan.Archive{Meta: c.Meta, Target: t}, nil
}

// attachLegacyDocument records a reference to an old plan (PDF or Word)
// kept in the document store: name, type, size and checksum, not the file.
func attachLegacyDocument(c *cmd, t plan.Target) (plan.Command, error) {
	var in struct {
		DocumentID string `json:"document_id"`
		FileName   string `json:"file_name"`
		MediaType  string `json:"media_type"`
		Size       int64  `json:"size"`
		SHA256     string `json:"sha256"`
		Reason     string `json:"reason"`
	}
	if err := c.Decode(&in); err != nil {
		return nil, err
	}
	return plan.AttachLegacyDocument{Meta: c.Meta, Target: t, DocumentID: orNewID(c, in.DocumentID, "doc-"), FileName: in.FileName,
		MediaType: in.MediaType, Size: in.Size, SHA256: in.SHA256, Reason: in.Reason}, nil
}
