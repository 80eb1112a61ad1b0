package assessment

import (
	"context"
	"errors"

	"golang.org/x/sync/errgroup"

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

// bulkParallel bounds how many students of one bulk command are written at
// once: enough for the event store to commit several appends per fsync
// (group commit), few enough to leave the store to other requests too.
const bulkParallel = 8

// SetLevels runs one SetLevel per student stream and reports each result in
// the order given. Students are written concurrently (each has its own entry
// and index streams); a student named twice is handled in order by one
// worker, so the second sees the first's write as it would one after the
// other. A refusal for one student does not stop the others; an unexpected
// (storage) error stops the command and is returned with the results of the
// leading students that completed.
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
	var order []string
	at := make(map[string][]int, len(cmd.StudentIDs))
	for i, id := range cmd.StudentIDs {
		if _, seen := at[id]; !seen {
			order = append(order, id)
		}
		at[id] = append(at[id], i)
	}
	results := make([]BulkResult, len(cmd.StudentIDs))
	done := make([]bool, len(cmd.StudentIDs))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(bulkParallel)
	for _, studentID := range order {
		g.Go(func() error {
			for _, i := range at[studentID] {
				r, err := setLevel(gctx, log, cmd, ec, studentID)
				if err != nil {
					return err
				}
				results[i], done[i] = r, true
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		n := 0
		for n < len(done) && done[n] {
			n++
		}
		return results[:n], err
	}
	return results, nil
}

// setLevel writes one student's part of a bulk command; a refusal is an
// outcome, only a storage error is an error.
func setLevel(ctx context.Context, log domain.EventLog, cmd BulkSetLevel, ec entryContext, studentID string) (BulkResult, error) {
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
		return r, err
	}
	return r, nil
}
