package plan

import (
	"context"
	"errors"

	"github.com/iup-platform/iup/domain"
)

// retries: every plan command decides again on the fresh stream after a
// conflict, so a retry never overwrites what it did not see; clients that
// must not overwrite a concurrent edit send If-Match.
const retries = 2

// Handle runs a plan command (other than Create) against its plan's stream,
// loading the facts first. ifMatch, when set, is the version the client saw.
func Handle(ctx context.Context, log domain.EventLog, cmd Command, ifMatch *domain.Version) (domain.Result, error) {
	studentID, term := cmd.target()
	courseID := ""
	if c, ok := cmd.(SetField); ok {
		courseID = c.CourseID
	}
	return domain.Handle(ctx, log, Decider, Stream(cmd.CommandMeta().Actor.Tenant, studentID, term), cmd, domain.HandleOptions[Command]{
		IfMatch: ifMatch,
		Retries: retries,
		Prepare: func(ctx context.Context, c Command) (Command, error) {
			f, err := LoadFacts(ctx, log, c.CommandMeta(), studentID, courseID)
			if err != nil {
				return nil, err
			}
			return c.withFacts(f), nil
		},
	})
}

// HandleCreate makes one plan from the template's current version.
func HandleCreate(ctx context.Context, log domain.EventLog, c Create) (domain.Result, error) {
	t, err := LoadTemplateFacts(ctx, log, c.Actor.Tenant, c.TemplateID, c.Term)
	if err != nil {
		return domain.Result{}, err
	}
	c.Template = t
	return Handle(ctx, log, c, nil)
}

// CreateMany makes one plan per student from one template, for one term,
// with one title and dates (the mentor's bulk creation).
type CreateMany struct {
	domain.Meta
	TemplateID string
	Term       domain.TermRef
	Title      string
	Start, End domain.Date
	StudentIDs []string
}

// Status is what a bulk creation did for one student.
type Status string

// The statuses of a bulk creation.
const (
	StatusCreated   Status = "created"
	StatusUnchanged Status = "unchanged" // the plan already existed and was left as it was
	StatusRefused   Status = "refused"
)

// BulkOutcome is one student's result in a bulk creation.
type BulkOutcome struct {
	StudentID string
	PlanID    string
	Status    Status
	Code      domain.Code // set when refused
	Message   string      // set when refused; never personal data
	Version   domain.Version
	Position  string
}

// HandleCreateMany creates each student's plan in its own stream and reports
// per student. The template is read once, so every plan of the run gets the
// same version. Running it again creates nothing and reports "unchanged".
// A storage failure stops the run and returns the outcomes so far.
func HandleCreateMany(ctx context.Context, log domain.EventLog, c CreateMany) ([]BulkOutcome, error) {
	if len(c.StudentIDs) == 0 || len(c.StudentIDs) > MaxBulkPlans {
		return nil, domain.Invalid("student_ids", "must name 1 to %d students", MaxBulkPlans)
	}
	t, err := LoadTemplateFacts(ctx, log, c.Actor.Tenant, c.TemplateID, c.Term)
	if err != nil {
		return nil, err
	}
	out := make([]BulkOutcome, 0, len(c.StudentIDs))
	seen := map[string]bool{}
	for _, id := range c.StudentIDs {
		o := BulkOutcome{StudentID: id, PlanID: ID(id, c.Term)}
		if seen[id] {
			o.Status, o.Code, o.Message = StatusRefused, domain.CodeInvalid, "the student is listed more than once"
			out = append(out, o)
			continue
		}
		seen[id] = true
		res, err := Handle(ctx, log, Create{
			Meta: c.Meta, Target: Target{StudentID: id, Term: c.Term}, TemplateID: c.TemplateID,
			Title: c.Title, Start: c.Start, End: c.End, Template: t,
		}, nil)
		var derr *domain.Error
		switch {
		case errors.As(err, &derr):
			o.Status, o.Code, o.Message = StatusRefused, derr.Code, derr.Error()
		case err != nil:
			return out, err
		case len(res.Events) == 0:
			o.Status, o.Version = StatusUnchanged, res.Version
		default:
			o.Status, o.Version, o.Position = StatusCreated, res.Version, res.Position
		}
		out = append(out, o)
	}
	return out, nil
}
