package retention

import (
	"context"
	"fmt"
	"strings"
	"time"

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

// KeyDestroyer destroys data keys for good (the shred keyring).
type KeyDestroyer interface {
	DestroyAll(ctx context.Context, tenant string, subjects []string, rule string, at time.Time) error
}

// Handle runs a command on the student's retention stream. For Cull it
// loads the schedule and the student's leaving date first (Today is the
// caller's, from its clock); the student must exist for every command.
//
// A culling or erasure destroys the keys of the document types it decides
// on before the event is appended: a crash in between leaves the content
// destroyed and unrecorded, and the next run decides the same and records
// it, whereas the other order could record a culling whose keys survive.
func Handle(ctx context.Context, log domain.EventLog, keys KeyDestroyer, cmd StudentCommand) (domain.Result, error) {
	tenant := cmd.CommandMeta().Actor.Tenant
	stream := StudentStream(tenant, cmd.studentID())
	return domain.Handle(ctx, log, StudentDecider, stream, cmd, domain.HandleOptions[StudentCommand]{
		Retries: retries,
		Prepare: func(ctx context.Context, c StudentCommand) (StudentCommand, error) {
			c, err := prepare(ctx, log, tenant, c)
			if err != nil {
				return nil, err
			}
			return c, destroyDue(ctx, log, keys, stream, c)
		},
	})
}

// destroyDue decides on the current state and destroys the keys of what
// the decision culls.
func destroyDue(ctx context.Context, log domain.EventLog, keys KeyDestroyer, stream string, c StudentCommand) error {
	s, _, err := domain.Load(ctx, log, StudentDecider, stream)
	if err != nil {
		return fmt.Errorf("load retention state: %w", err)
	}
	events, err := StudentDecider.Decide(s, c)
	if err != nil {
		return err
	}
	for _, ev := range events {
		if e, ok := ev.(StudentCulled); ok {
			m := c.CommandMeta()
			if keys == nil {
				return fmt.Errorf("culling needs a key destroyer")
			}
			if err := keys.DestroyAll(ctx, m.Actor.Tenant, KeySubjects(e.StudentID, e.DocTypes), strings.Join(e.Rules, "; "), m.Now); err != nil {
				return fmt.Errorf("destroy data keys: %w", err)
			}
		}
	}
	return nil
}

// prepare loads what a command needs from other aggregates.
func prepare(ctx context.Context, log domain.EventLog, tenant string, c StudentCommand) (StudentCommand, error) {
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
}
