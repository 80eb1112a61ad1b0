package assessment

import (
	"strings"

	"github.com/iup-platform/iup/domain"
)

func decideEntry(s EntryState, c EntryCommand) ([]domain.Event, error) {
	roundID, studentID := c.target()
	if err := firstError(domain.CheckID("round_id", roundID), domain.CheckID("student_id", studentID)); err != nil {
		return nil, err
	}
	f := c.facts()
	if !f.Round.Exists || f.Round.ID != roundID {
		return nil, domain.NotFound("there is no assessment round with this id")
	}
	m := c.CommandMeta()
	switch c := c.(type) {
	case SetLevel:
		by, err := authorizeEntryWrite(m.Actor, f)
		if err != nil {
			return nil, err
		}
		if err := checkLevel(f.Round, "level", c.Level); err != nil || s.Level == c.Level {
			return nil, err
		}
		return change(f, c.Reason, by, EntryAmended{RoundID: roundID, StudentID: studentID, Field: FieldLevel, Level: c.Level},
			EntryLevelSet{RoundID: roundID, StudentID: studentID, Level: c.Level, OnBehalfOf: by})
	case SetComment:
		by, err := authorizeEntryWrite(m.Actor, f)
		if err != nil {
			return nil, err
		}
		if err := checkText("comment", c.Comment, MaxComment); err != nil || s.Comment == c.Comment {
			return nil, err
		}
		return change(f, c.Reason, by, EntryAmended{RoundID: roundID, StudentID: studentID, Field: FieldComment, Comment: c.Comment},
			EntryCommentSet{RoundID: roundID, StudentID: studentID, Comment: c.Comment, OnBehalfOf: by})
	case SetSelfLevel:
		if err := authorizeSelf(m.Actor, studentID, f); err != nil {
			return nil, err
		}
		if err := checkLevel(f.Round, "level", c.Level); err != nil || s.SelfLevel == c.Level {
			return nil, err
		}
		return change(f, c.Reason, "", EntryAmended{RoundID: roundID, StudentID: studentID, Field: FieldSelfLevel, Level: c.Level},
			SelfLevelSet{RoundID: roundID, StudentID: studentID, Level: c.Level})
	case SetSelfComment:
		if err := authorizeSelf(m.Actor, studentID, f); err != nil {
			return nil, err
		}
		if err := checkText("comment", c.Comment, MaxComment); err != nil || s.SelfComment == c.Comment {
			return nil, err
		}
		return change(f, c.Reason, "", EntryAmended{RoundID: roundID, StudentID: studentID, Field: FieldSelfComment, Comment: c.Comment},
			SelfCommentSet{RoundID: roundID, StudentID: studentID, Comment: c.Comment})
	case WithdrawEntry:
		// Withdrawing is for an entry written for the wrong student, so the
		// student's enrolment is not required.
		by, err := authorizeTeacher(m.Actor, f.Facts)
		if err != nil {
			return nil, err
		}
		reason := strings.TrimSpace(c.Reason)
		if err := checkText("reason", reason, MaxReason); err != nil {
			return nil, err
		}
		if reason == "" {
			return nil, domain.Invalid("reason", "is required: say why the entry is withdrawn")
		}
		if s.Level == "" && s.Comment == "" {
			return nil, nil // nothing of the teacher's to withdraw
		}
		return []domain.Event{EntryWithdrawn{RoundID: roundID, StudentID: studentID, Reason: reason, OnBehalfOf: by}}, nil
	}
	return nil, domain.Invalid("command", "is not an entry command")
}

// authorizeEntryWrite: the course's teachers write entries, for students
// enrolled in the course.
func authorizeEntryWrite(a domain.Actor, f EntryFacts) (string, error) {
	by, err := authorizeTeacher(a, f.Facts)
	if err != nil {
		return "", err
	}
	if !f.StudentEnrolled {
		return "", domain.RuleViolated("the student is not enrolled in the course: enrol the student first")
	}
	return by, nil
}

// authorizeSelf: a student writes only their own self-assessment, and only
// where the round allows it.
func authorizeSelf(a domain.Actor, studentID string, f EntryFacts) error {
	if a.Role != domain.RoleStudent || a.OnBehalfOf != "" || a.ID != studentID {
		return domain.Forbidden("only the student may write their own self-assessment")
	}
	if !f.Round.SelfAssessment {
		return domain.RuleViolated("this assessment round does not allow self-assessment")
	}
	if !f.StudentEnrolled {
		return domain.Forbidden("only students of the course may self-assess in it")
	}
	return nil
}

func checkLevel(r RoundState, field, level string) error {
	if level == "" {
		return nil
	}
	if r.FreeText {
		return domain.Invalid(field, "this round uses a free-text scale without levels: write a comment instead")
	}
	if !r.HasStep(level) {
		keys := make([]string, len(r.Steps))
		for i, st := range r.Steps {
			keys[i] = st.Key
		}
		return domain.Invalid(field, "is not a step of the round's scale; use one of: %s", strings.Join(keys, ", "))
	}
	return nil
}

// change returns the plain event while the round's term runs, and the
// amendment (which needs a reason) once it has ended.
func change(f EntryFacts, reason, by string, amended EntryAmended, plain domain.Event) ([]domain.Event, error) {
	if !f.TermEnded {
		return []domain.Event{plain}, nil
	}
	reason = strings.TrimSpace(reason)
	if err := checkText("reason", reason, MaxReason); err != nil {
		return nil, err
	}
	if reason == "" {
		return nil, domain.Invalid("reason", "is required: the round's term has ended, so a change is an amendment and needs a reason")
	}
	amended.Term, amended.Reason, amended.OnBehalfOf = f.Round.Term, reason, by
	return []domain.Event{amended}, nil
}
