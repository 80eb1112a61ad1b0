package handlers

import (
	"context"
	"net/http"
	"time"

	"github.com/iup-platform/iup/domain"
	"github.com/iup-platform/iup/domain/retention"
	"github.com/iup-platform/iup/domain/setup"
)

// Retention (gallring): the organiser's schedule per document type, holds
// that stop culling while a case is open, and a lawful erasure, all by an
// organiser admin (the domain checks the role; the daily culling job runs
// in the service, not through the API).

func (a *API) setRetentionSchedule(ctx context.Context, c *cmd) (written, error) {
	var in struct {
		Rules []retention.Rule `json:"rules"`
	}
	if err := c.Decode(&in); err != nil {
		return written{}, err
	}
	c.Stream = retention.ScheduleStream(c.Tenant())
	res, err := retention.HandleSchedule(ctx, c.Log, retention.SetSchedule{Meta: c.Meta, Rules: in.Rules})
	if err != nil {
		return written{}, err
	}
	return changedTo(res), nil
}

// retentionCmd runs a hold command on the student in the path. Holds
// destroy nothing, so no key destroyer is needed.
func (a *API) retentionCmd(build func(c *cmd, student string) (retention.StudentCommand, error)) commandFunc {
	return func(ctx context.Context, c *cmd) (written, error) {
		return onRecord(ctx, c, "student_id", retention.StudentStream,
			func(ctx context.Context, log domain.EventLog, rc retention.StudentCommand) (domain.Result, error) {
				return retention.Handle(ctx, log, nil, rc)
			},
			func(student string) (retention.StudentCommand, error) { return build(c, student) })
	}
}

type caseBody struct {
	Case   string `json:"case"`   // the case reference (diarienummer), never personal content
	Reason string `json:"reason"` // why, never personal content
}

func placeHold(c *cmd, student string) (retention.StudentCommand, error) {
	var in caseBody
	err := c.Decode(&in)
	return retention.PlaceHold{Meta: c.Meta, StudentID: student, Case: in.Case, Reason: in.Reason}, err
}

func liftHold(c *cmd, student string) (retention.StudentCommand, error) {
	var in caseBody
	err := c.Decode(&in)
	return retention.LiftHold{Meta: c.Meta, StudentID: student, Case: in.Case, Reason: in.Reason}, err
}

// eraseStudent is a lawful erasure: every document of the student and their
// identity culled at once. The keys are destroyed before the event is
// recorded (retention.Handle); the views drop the content when the service
// sees the culling event.
func (a *API) eraseStudent(ctx context.Context, c *cmd) (written, error) {
	student, err := c.Var("student_id")
	if err != nil {
		return written{}, err
	}
	var in struct {
		Reason string `json:"reason"` // case reference and legal ground; stays readable
	}
	if err := c.Decode(&in); err != nil {
		return written{}, err
	}
	keys := a.shredder
	if keys == nil {
		keys = noKeyring{}
	}
	today, _, err := setup.Today(ctx, a.log, c.Tenant(), c.Meta.Now)
	if err != nil {
		return written{}, err
	}
	c.Stream = retention.StudentStream(c.Tenant(), student)
	res, err := retention.Handle(ctx, c.Log, keys, retention.Erase{Meta: c.Meta, StudentID: student, Reason: in.Reason, Today: today})
	if err != nil {
		return written{}, err
	}
	return changedTo(res), nil
}

// noKeyring stands in on a node that cannot destroy keys: the command is
// still checked (bad input is a 4xx), and only an erasure that would
// destroy keys is refused, before anything is recorded.
type noKeyring struct{}

func (noKeyring) DestroyAll(context.Context, string, []string, string, time.Time) error {
	return &requestError{status: http.StatusServiceUnavailable, typ: ProblemUnavailable,
		title:  "Erasure not available here",
		detail: "This node cannot destroy data keys; run `iupd erase` on the projector's host."}
}
