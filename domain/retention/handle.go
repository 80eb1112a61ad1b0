package retention

import (
	"context"
	"fmt"

	"github.com/iup-platform/iup/domain"
	"github.com/iup-platform/iup/domain/roster"
)

// retries on a concurrency conflict: every retention command is re-decided
// on fresh state (a concurrent cull makes the second decide nothing new).
const retries = 2

// HandleSchedule sets the organiser's retention schedule.
func HandleSchedule(ctx context.Context, log domain.EventLog, cmd SetSchedule) (domain.Result, error) {
	return domain.Handle(ctx, log, ScheduleDecider, ScheduleStream(cmd.Actor.Tenant), cmd,
		domain.HandleOptions[SetSchedule]{Retries: retries})
}

// LoadSchedule folds the organiser's retention schedule.
func LoadSchedule(ctx context.Context, log domain.EventLog, tenant string) (Schedule, error) {
	s, _, err := domain.Load(ctx, log, ScheduleDecider, ScheduleStream(tenant))
	if err != nil {
		return Schedule{}, fmt.Errorf("load retention schedule: %w", err)
	}
	return s, nil
}

// LoadStudent folds one student's retention state.
func LoadStudent(ctx context.Context, log domain.EventLog, tenant, studentID string) (State, domain.Version, error) {
	s, v, err := domain.Load(ctx, log, StudentDecider, StudentStream(tenant, studentID))
	if err != nil {
		return State{}, domain.NoStream, fmt.Errorf("load retention state: %w", err)
	}
	return s, v, nil
}

// Handle runs a command on the student's retention stream. For Cull it
// loads the schedule and the student's leaving date first (Today is the
// caller's, from its clock); the student must exist for every command.
func Handle(ctx context.Context, log domain.EventLog, cmd StudentCommand) (domain.Result, error) {
	tenant := cmd.CommandMeta().Actor.Tenant
	return domain.Handle(ctx, log, StudentDecider, StudentStream(tenant, cmd.studentID()), cmd, domain.HandleOptions[StudentCommand]{
		Retries: retries,
		Prepare: func(ctx context.Context, c StudentCommand) (StudentCommand, error) {
			if err := domain.CheckID("student_id", c.studentID()); err != nil {
				return nil, err
			}
			st, _, err := roster.LoadStudent(ctx, log, tenant, c.studentID())
			if err != nil {
				return nil, fmt.Errorf("load student: %w", err)
			}
			if !st.Exists {
				return nil, domain.NotFound("there is no student with this id")
			}
			if cull, ok := c.(Cull); ok {
				if cull.Facts.Schedule, err = LoadSchedule(ctx, log, tenant); err != nil {
					return nil, err
				}
				cull.Facts.LeftOn = st.LeftOn
				return cull, nil
			}
			return c, nil
		},
	})
}
