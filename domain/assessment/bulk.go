package assessment

import (
	"context"
	"errors"

	"github.com/iup-platform/iup/domain"
)

// MaxBulk is the most students one bulk command may name.
const MaxBulk = 500

// BulkSetLevel sets one level for many students of a round at once.
type BulkSetLevel struct {
	domain.Meta
	RoundID    string
	Level      string
	Reason     string // required after the round's term has ended
	StudentIDs []string
}

// Outcome is how one student's part of a bulk command ended.
type Outcome string

// Bulk outcomes.
const (
	OutcomeOK        Outcome = "ok"
	OutcomeUnchanged Outcome = "unchanged"
	OutcomeRefused   Outcome = "refused"
)

// BulkResult is one student's result in a bulk command.
type BulkResult struct {
	StudentID string
	Outcome   Outcome
	Code      domain.Code // when refused
	Message   string      // when refused: what was wrong, never personal data
	Version   domain.Version
	Position  string
}

// SetLevels runs one SetLevel per student stream and reports each result in
// the order given. A refusal for one student does not stop the others; an
// unexpected (storage) error stops the command and is returned with the
// results so far.
func SetLevels(ctx context.Context, log domain.EventLog, cmd BulkSetLevel) ([]BulkResult, error) {
	if len(cmd.StudentIDs) == 0 {
		return nil, domain.Invalid("student_ids", "name at least one student")
	}
	if len(cmd.StudentIDs) > MaxBulk {
		return nil, domain.Invalid("student_ids", "name at most %d students per request", MaxBulk)
	}
	// The round, term and course facts are the same for every student:
	// load them once; each student's retry reloads them.
	ec, err := loadEntryContext(ctx, log, cmd.Meta, cmd.RoundID)
	if err != nil {
		return nil, err
	}
	results := make([]BulkResult, 0, len(cmd.StudentIDs))
	for _, studentID := range cmd.StudentIDs {
		one := SetLevel{Meta: cmd.Meta, RoundID: cmd.RoundID, StudentID: studentID, Level: cmd.Level, Reason: cmd.Reason}
		res, err := handleEntry(ctx, log, one, ec, nil)
		r := BulkResult{StudentID: studentID, Version: res.Version, Position: res.Position}
		var derr *domain.Error
		switch {
		case err == nil && len(res.Events) == 0:
			r.Outcome = OutcomeUnchanged
		case err == nil:
			r.Outcome = OutcomeOK
		case errors.As(err, &derr):
			r.Outcome, r.Code, r.Message = OutcomeRefused, derr.Code, derr.Message
			if derr.Field != "" {
				r.Message = derr.Field + ": " + derr.Message
			}
		default:
			return results, err
		}
		results = append(results, r)
	}
	return results, nil
}
