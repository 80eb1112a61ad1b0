package roster

import (
	"context"
	"errors"

	"github.com/iup-platform/iup/domain"
)

// Outcome statuses of one student in a bulk request.
const (
	StatusOK        = "ok"        // the change was recorded
	StatusUnchanged = "unchanged" // it was already so; nothing was recorded
	StatusError     = "error"     // refused or failed; see Code and Message
)

// Outcome is what a bulk request did for one student.
type Outcome struct {
	StudentID string
	Status    string
	Code      domain.Code // set when Status is error; "" for an internal error
	Message   string      // says what was wrong; never personal data
	Version   domain.Version
	Position  string
}

// BulkAssignMentor makes one staff member the mentor of many students (a
// mentor group) from EffectiveFrom, until Until (zero = open-ended).
type BulkAssignMentor struct {
	domain.Meta
	StaffID       string
	StudentIDs    []string
	EffectiveFrom domain.Date
	Until         domain.Date
}

// AssignMentorToStudents runs one AssignMentor per student stream, so one
// refused student does not stop the others, and reports per student in the
// order given (repeats once). Only a malformed request as a whole (no
// students, too many, a bad id) is an error.
func AssignMentorToStudents(ctx context.Context, log domain.EventLog, cmd BulkAssignMentor) ([]Outcome, error) {
	if err := domain.CheckID("staff_id", cmd.StaffID); err != nil {
		return nil, err
	}
	if _, err := normaliseIDs("student_ids", cmd.StudentIDs); err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	out := make([]Outcome, 0, len(cmd.StudentIDs))
	for _, id := range cmd.StudentIDs {
		if seen[id] {
			continue
		}
		seen[id] = true
		if err := ctx.Err(); err != nil {
			return out, err
		}
		res, err := HandleStudent(ctx, log, AssignMentor{Meta: cmd.Meta, StudentID: id, StaffID: cmd.StaffID,
			EffectiveFrom: cmd.EffectiveFrom, Until: cmd.Until})
		out = append(out, outcome(id, res, err))
	}
	return out, nil
}

func outcome(id string, res domain.Result, err error) Outcome {
	o := Outcome{StudentID: id, Version: res.Version, Position: res.Position}
	var de *domain.Error
	switch {
	case errors.As(err, &de):
		// The message without the wrapped cause, which may name streams.
		o.Status, o.Code, o.Message = StatusError, de.Code, de.Message
		if de.Field != "" {
			o.Message = de.Field + ": " + de.Message
		}
	case err != nil:
		// An internal failure's text may name streams; report it generically.
		o.Status, o.Message = StatusError, "the change could not be saved: try again"
	case len(res.Events) == 0:
		o.Status = StatusUnchanged
	default:
		o.Status = StatusOK
	}
	return o
}
