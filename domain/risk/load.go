package risk

import (
	"context"

	"github.com/iup-platform/iup/domain"
)

// Load folds the student's risk signal in a subject.
func Load(ctx context.Context, log domain.EventLog, tenant, studentID, subject string) (State, domain.Version, error) {
	return domain.Load(ctx, log, Decider, Stream(tenant, studentID, subject))
}
