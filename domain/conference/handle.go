package conference

import (
	"context"

	"github.com/iup-platform/iup/domain"
	"github.com/iup-platform/iup/domain/plan"
)

// retries: every conference command decides again on the fresh stream and
// fresh facts after a conflict (a hold re-reads the versions it pins).
const retries = 2

// Handle runs a conference command: it reads the conference for its student
// and term (Schedule names them), loads the facts, and for a hold the
// snapshot of plan and entry versions at this moment. ifMatch, when set, is
// the version the client saw.
func Handle(ctx context.Context, log domain.EventLog, cmd Command, ifMatch *domain.Version) (domain.Result, error) {
	tenant := cmd.CommandMeta().Actor.Tenant
	stream := Stream(tenant, cmd.conferenceID())
	return domain.Handle(ctx, log, Decider, stream, cmd, domain.HandleOptions[Command]{
		IfMatch: ifMatch,
		Retries: retries,
		Prepare: func(ctx context.Context, c Command) (Command, error) {
			if domain.CheckID("conference_id", c.conferenceID()) != nil {
				return c, nil
			}
			cur, _, err := domain.Load(ctx, log, Decider, stream)
			if err != nil {
				return nil, err
			}
			studentID, term, participants := cur.StudentID, cur.Term, []Participant(nil)
			switch c := c.(type) {
			case Schedule:
				studentID, term, participants = c.StudentID, c.Term, c.Participants
			case Reschedule:
				participants = c.Participants
			}
			f, err := LoadFacts(ctx, log, c.CommandMeta(), studentID, term, participants)
			if err != nil {
				return nil, err
			}
			if h, ok := c.(Hold); ok && cur.Exists {
				if h.Snapshot, err = LoadSnapshot(ctx, log, tenant, studentID, term); err != nil {
					return nil, err
				}
				c = h
			}
			return c.withFacts(f), nil
		},
	})
}

// HoldResult is what holding a talk did: the conference's result, and the
// agreements recorded in the student's plan for the term.
type HoldResult struct {
	domain.Result
	// Plan is the plan's result; nil when there were no agreements or the
	// student has no plan for the term.
	Plan *domain.Result
	// PlanErr is set when recording the agreements in the plan failed; the
	// hold stands, and the agreements can be recorded again through the plan.
	PlanErr error
}

// HandleHold holds the talk and then documents its agreements in the
// student's plan for the term (rule: agreements made at the talk are
// documented in the plan), as the same mentor.
func HandleHold(ctx context.Context, log domain.EventLog, c Hold, ifMatch *domain.Version) (HoldResult, error) {
	res, err := Handle(ctx, log, c, ifMatch)
	if err != nil || len(res.Events) == 0 || len(c.Agreements) == 0 {
		return HoldResult{Result: res}, err
	}
	held := res.Events[0].(Held)
	if held.PlanVersion == domain.NoStream {
		return HoldResult{Result: res}, nil
	}
	pr, perr := plan.Handle(ctx, log, plan.RecordAgreements{
		Meta:         c.Meta,
		Target:       plan.Target{StudentID: held.StudentID, Term: held.Term},
		ConferenceID: c.ConferenceID, Agreements: c.Agreements,
	}, nil)
	switch {
	case domain.IsCode(perr, domain.CodeNotFound):
		// Only legacy documents for the term: there is no plan to write in.
		return HoldResult{Result: res}, nil
	case perr != nil:
		return HoldResult{Result: res, PlanErr: perr}, nil
	}
	return HoldResult{Result: res, Plan: &pr}, nil
}
