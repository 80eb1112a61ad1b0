package risk

import (
	"context"

	"github.com/iup-platform/iup/domain"
)

// retries on a concurrency conflict: a signal or withdrawal is re-decided on
// the fresh state (a concurrent withdrawal makes a second one decide nothing).
const retries = 2

// Handle runs a risk command against the student's stream for the subject,
// loading the facts from setup and roster first. ifMatch, when set, is the
// version the client last saw.
func Handle(ctx context.Context, log domain.EventLog, cmd Command, ifMatch *domain.Version) (domain.Result, error) {
	studentID, subject, _ := cmd.target()
	stream := Stream(cmd.CommandMeta().Actor.Tenant, studentID, subject)
	return domain.Handle(ctx, log, Decider, stream, cmd, domain.HandleOptions[Command]{
		IfMatch: ifMatch,
		Retries: retries,
		Prepare: func(ctx context.Context, c Command) (Command, error) { return prepare(ctx, log, c) },
	})
}
