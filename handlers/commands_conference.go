package handlers

import (
	"context"
	"time"

	"github.com/iup-platform/iup/domain"
	"github.com/iup-platform/iup/domain/conference"
	"github.com/iup-platform/iup/domain/risk"
)

// Conference commands (utvecklingssamtal) and risk signals.

type bookingBody struct {
	At                  time.Time                `json:"at"`
	Place               string                   `json:"place"`
	Participants        []conference.Participant `json:"participants"`
	InterpreterLanguage string                   `json:"interpreter_language"`
}

func (b bookingBody) booking() conference.Booking {
	return conference.Booking{At: b.At.UTC(), Place: b.Place, Participants: b.Participants, InterpreterLanguage: b.InterpreterLanguage}
}

func (a *API) scheduleConference(ctx context.Context, c *cmd) (written, error) {
	var in struct {
		ID        string  `json:"id"`
		StudentID string  `json:"student_id"`
		Term      termRef `json:"term"`
		bookingBody
	}
	if err := c.Decode(&in); err != nil {
		return written{}, err
	}
	id := orNewID(c, in.ID, "conf-")
	c.Stream = conference.Stream(c.Tenant(), id)
	res, err := conference.Handle(ctx, c.Log, conference.Schedule{Meta: c.Meta, ConferenceID: id, StudentID: in.StudentID,
		Term: domain.TermRef(in.Term), Booking: in.booking()}, nil)
	if err != nil {
		return written{}, err
	}
	return createdAt("/v1/conferences/"+id, id, res), nil
}

// conferenceCmd runs a command on the conference in the path.
func (a *API) conferenceCmd(build func(c *cmd, id string) (conference.Command, error)) commandFunc {
	return func(ctx context.Context, c *cmd) (written, error) {
		id, err := c.Var("conference_id")
		if err != nil {
			return written{}, err
		}
		cc, err := build(c, id)
		if err != nil {
			return written{}, err
		}
		c.Stream = conference.Stream(c.Tenant(), id)
		res, err := conference.Handle(ctx, c.Log, cc, c.IfMatch)
		if err != nil {
			return written{}, err
		}
		return changedTo(res), nil
	}
}

func rescheduleConference(c *cmd, id string) (conference.Command, error) {
	var in bookingBody
	err := c.Decode(&in)
	return conference.Reschedule{Meta: c.Meta, ConferenceID: id, Booking: in.booking()}, err
}

func cancelConference(c *cmd, id string) (conference.Command, error) {
	var in struct {
		Reason string `json:"reason"`
	}
	err := c.Decode(&in)
	return conference.Cancel{Meta: c.Meta, ConferenceID: id, Reason: in.Reason}, err
}

func acknowledgeConference(c *cmd, id string) (conference.Command, error) {
	return conference.Acknowledge{Meta: c.Meta, ConferenceID: id}, nil
}

// holdBody records the talk as held; the record then stays as it was.
type holdBody struct {
	Attendees       []string `json:"attendees"`
	Notes           string   `json:"notes"`
	Agreements      []string `json:"agreements"`
	ActionProgramme bool     `json:"action_programme"`
	ActionNote      string   `json:"action_note"`
}

type holdAnswer struct {
	Revision     int64  `json:"revision"`
	PlanRevision *int64 `json:"plan_revision,omitempty"`
	// PlanError says the agreements could not be copied into the plan; the
	// talk is recorded as held and the agreements can be recorded again
	// through POST /v1/plans/{plan_id}/agreements.
	PlanError string `json:"plan_error,omitempty"`
}

// holdConference freezes the record (the plan and entry revisions of the
// day) and copies the agreements into the plan.
func (a *API) holdConference(ctx context.Context, c *cmd) (written, error) {
	id, err := c.Var("conference_id")
	if err != nil {
		return written{}, err
	}
	var in holdBody
	if err := c.Decode(&in); err != nil {
		return written{}, err
	}
	c.Stream = conference.Stream(c.Tenant(), id)
	res, err := conference.HandleHold(ctx, c.Log, conference.Hold{Meta: c.Meta, ConferenceID: id, Attendees: in.Attendees,
		Notes: in.Notes, Agreements: in.Agreements, ActionProgramme: in.ActionProgramme, ActionNote: in.ActionNote}, c.IfMatch)
	if err != nil {
		return written{}, err
	}
	out := changedTo(res.Result)
	body := holdAnswer{Revision: int64(res.Version)}
	if res.Plan != nil {
		body.PlanRevision = revisionPtr(res.Plan.Version)
		out.Positions = append(out.Positions, res.Plan.Position)
	}
	if res.PlanErr != nil {
		if p, _ := problemFor(ctx, res.PlanErr); p.Status < 500 {
			body.PlanError = p.Detail
		} else {
			a.logger.ErrorContext(ctx, "agreements not copied into the plan", "err", res.PlanErr)
			body.PlanError = "the agreements could not be copied into the plan; record them again through the plan"
		}
	}
	out.Body = body
	return out, nil
}

// riskCmd runs a risk-signal command on the student and subject in the path.
func (a *API) riskCmd(build func(c *cmd, student, subject string) (risk.Command, error)) commandFunc {
	return func(ctx context.Context, c *cmd) (written, error) {
		student, err := c.Var("student_id")
		if err != nil {
			return written{}, err
		}
		subject := muxVar(c.r, "subject")
		if err := risk.CheckSubject("subject", subject); err != nil {
			return written{}, badPath("subject", err.Error())
		}
		rc, err := build(c, student, subject)
		if err != nil {
			return written{}, err
		}
		c.Stream = risk.Stream(c.Tenant(), student, subject)
		res, err := risk.Handle(ctx, c.Log, rc, c.IfMatch)
		if err != nil {
			return written{}, err
		}
		return changedTo(res), nil
	}
}

// markRisk signals that the student risks not reaching the knowledge
// requirements in a subject.
func markRisk(c *cmd, student, subject string) (risk.Command, error) {
	var in struct {
		CourseID string  `json:"course_id"`
		Term     termRef `json:"term"`
		Note     string  `json:"note"`
	}
	err := c.Decode(&in)
	return risk.Signal{Meta: c.Meta, StudentID: student, Subject: subject, CourseID: in.CourseID, Term: domain.TermRef(in.Term), Note: in.Note}, err
}

func withdrawRisk(c *cmd, student, subject string) (risk.Command, error) {
	var in struct {
		CourseID string `json:"course_id"`
		Reason   string `json:"reason"`
	}
	err := c.Decode(&in)
	return risk.Withdraw{Meta: c.Meta, StudentID: student, Subject: subject, CourseID: in.CourseID, Reason: in.Reason}, err
}
