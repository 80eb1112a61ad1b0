package plan

import (
	"regexp"
	"slices"
	"strings"

	"github.com/iup-platform/iup/domain"
)

// guardStaffEdit runs the checks every staff edit of an existing plan shares.
func guardStaffEdit(s State, m domain.Meta, f Facts, reason string) error {
	return firstError(staff(m, f), studentKnown(f), existing(s), editable(s, m, reason))
}

func checkGoal(text string, owner Owner, followUp domain.Date) error {
	if !owner.Valid() {
		return domain.Invalid("owner", "must be school, student or guardian")
	}
	if followUp.IsZero() {
		return domain.Invalid("follow_up", "is required: when will the goal be followed up?")
	}
	return checkText("text", text, MaxGoalText, true)
}

func decideAddGoal(s State, c AddGoal) ([]domain.Event, error) {
	if err := firstError(domain.CheckID("goal_id", c.GoalID), checkGoal(c.Text, c.Owner, c.FollowUp)); err != nil {
		return nil, err
	}
	if err := guardStaffEdit(s, c.Meta, c.Facts, c.Reason); err != nil {
		return nil, err
	}
	if g, ok := s.Goal(c.GoalID); ok {
		if g.Text == c.Text && g.Owner == c.Owner && g.FollowUp == c.FollowUp {
			return nil, nil
		}
		return nil, domain.Conflict("goal id %q is already used by another goal: choose a new id", c.GoalID)
	}
	return []domain.Event{GoalAdded{
		PlanID: s.PlanID, StudentID: c.StudentID, GoalID: c.GoalID, Text: c.Text, Owner: c.Owner,
		FollowUp: c.FollowUp, Reason: c.Reason, OnBehalfOf: c.Actor.OnBehalfOf,
	}}, nil
}

func decideEditGoal(s State, c EditGoal) ([]domain.Event, error) {
	if err := firstError(domain.CheckID("goal_id", c.GoalID), checkGoal(c.Text, c.Owner, c.FollowUp)); err != nil {
		return nil, err
	}
	if err := guardStaffEdit(s, c.Meta, c.Facts, c.Reason); err != nil {
		return nil, err
	}
	g, ok := s.Goal(c.GoalID)
	switch {
	case !ok:
		return nil, domain.NotFound("the plan has no goal %q", c.GoalID)
	case g.Text == c.Text && g.Owner == c.Owner && g.FollowUp == c.FollowUp:
		return nil, nil
	case g.Evaluated:
		// The evaluation refers to the goal as it was; add a new goal instead.
		return nil, domain.RuleViolated("the goal has been evaluated and can no longer change: add a new goal")
	}
	return []domain.Event{GoalEdited{
		PlanID: s.PlanID, StudentID: c.StudentID, GoalID: c.GoalID, Text: c.Text, Owner: c.Owner,
		FollowUp: c.FollowUp, Reason: c.Reason, OnBehalfOf: c.Actor.OnBehalfOf,
	}}, nil
}

func decideEvaluateGoal(s State, c EvaluateGoal) ([]domain.Event, error) {
	if err := domain.CheckID("goal_id", c.GoalID); err != nil {
		return nil, err
	}
	if !c.Outcome.Valid() {
		return nil, domain.Invalid("outcome", "must be met, partly-met or not-met")
	}
	if err := checkText("comment", c.Comment, MaxComment, false); err != nil {
		return nil, err
	}
	if err := guardStaffEdit(s, c.Meta, c.Facts, c.Reason); err != nil {
		return nil, err
	}
	g, ok := s.Goal(c.GoalID)
	switch {
	case !ok:
		return nil, domain.NotFound("the plan has no goal %q", c.GoalID)
	case g.Evaluated && g.Outcome == c.Outcome && g.Comment == c.Comment:
		return nil, nil
	}
	return []domain.Event{GoalEvaluated{
		PlanID: s.PlanID, StudentID: c.StudentID, GoalID: c.GoalID, Outcome: c.Outcome,
		Comment: c.Comment, Reason: c.Reason, OnBehalfOf: c.Actor.OnBehalfOf,
	}}, nil
}

func decideRecordAgreements(s State, c RecordAgreements) ([]domain.Event, error) {
	if err := domain.CheckID("conference_id", c.ConferenceID); err != nil {
		return nil, err
	}
	if len(c.Agreements) == 0 || len(c.Agreements) > MaxAgreements {
		return nil, domain.Invalid("agreements", "must hold 1 to %d agreements", MaxAgreements)
	}
	for _, a := range c.Agreements {
		if err := checkText("agreements", a, MaxAgreement, true); err != nil {
			return nil, err
		}
	}
	if err := guardStaffEdit(s, c.Meta, c.Facts, c.Reason); err != nil {
		return nil, err
	}
	if prev, ok := s.Agreements[c.ConferenceID]; ok && slices.Equal(prev, c.Agreements) {
		return nil, nil
	}
	return []domain.Event{AgreementsRecorded{
		PlanID: s.PlanID, StudentID: c.StudentID, ConferenceID: c.ConferenceID,
		Agreements: slices.Clone(c.Agreements), Reason: c.Reason, OnBehalfOf: c.Actor.OnBehalfOf,
	}}, nil
}

// decidePublication publishes, unpublishes or archives. An archived plan's
// publication no longer changes: it stays as it was when archived.
func decidePublication(s State, m domain.Meta, f Facts, c Command) ([]domain.Event, error) {
	if err := firstError(staff(m, f), studentKnown(f), existing(s)); err != nil {
		return nil, err
	}
	studentID, _ := c.target()
	if s.Archived {
		if _, ok := c.(Archive); ok {
			return nil, nil
		}
		return nil, domain.RuleViolated("the plan is archived: its publication no longer changes")
	}
	switch c.(type) {
	case Publish:
		if s.Published {
			return nil, nil
		}
		return []domain.Event{Published{PlanID: s.PlanID, StudentID: studentID, OnBehalfOf: m.Actor.OnBehalfOf}}, nil
	case Unpublish:
		if !s.Published {
			return nil, nil
		}
		return []domain.Event{Unpublished{PlanID: s.PlanID, StudentID: studentID, OnBehalfOf: m.Actor.OnBehalfOf}}, nil
	}
	return []domain.Event{Archived{PlanID: s.PlanID, StudentID: studentID, OnBehalfOf: m.Actor.OnBehalfOf}}, nil
}

// Legacy document media types: PDF and Word only.
var legacyMediaTypes = map[string]bool{
	"application/pdf":    true, // .pdf
	"application/msword": true, // .doc
	"application/vnd.openxmlformats-officedocument.wordprocessingml.document": true, // .docx
}

var sha256Pattern = regexp.MustCompile(`^[0-9a-f]{64}$`)

func checkDocument(c AttachLegacyDocument) error {
	switch {
	case !legacyMediaTypes[c.MediaType]:
		return domain.Invalid("media_type", "must be PDF (application/pdf) or Word (application/msword, .docx)")
	case c.Size <= 0 || c.Size > MaxLegacySize:
		return domain.Invalid("size", "must be 1 byte to 20 MiB")
	case len(c.SHA256) != sha256HexChars || !sha256Pattern.MatchString(c.SHA256):
		return domain.Invalid("sha256", "must be 64 lowercase hex characters")
	case strings.ContainsAny(c.FileName, "/\\\x00"):
		return domain.Invalid("file_name", "must be a file name without a path")
	}
	return firstError(domain.CheckID("document_id", c.DocumentID), checkText("file_name", c.FileName, MaxFileName, true))
}

// decideAttach references a legacy document. It needs no plan made from a
// template: old terms have none, and their stream starts with the document.
func decideAttach(s State, c AttachLegacyDocument) ([]domain.Event, error) {
	if err := checkDocument(c); err != nil {
		return nil, err
	}
	if err := firstError(staff(c.Meta, c.Facts), studentKnown(c.Facts), editable(s, c.Meta, c.Reason)); err != nil {
		return nil, err
	}
	if d, ok := s.Document(c.DocumentID); ok {
		if d.SHA256 == c.SHA256 && d.FileName == c.FileName && d.MediaType == c.MediaType && d.Size == c.Size {
			return nil, nil
		}
		return nil, domain.Conflict("document id %q is already used by another document: choose a new id", c.DocumentID)
	}
	return []domain.Event{LegacyDocumentAttached{
		PlanID: ID(c.StudentID, c.Term), StudentID: c.StudentID, Term: c.Term, DocumentID: c.DocumentID,
		FileName: c.FileName, MediaType: c.MediaType, Size: c.Size, SHA256: c.SHA256,
		Reason: c.Reason, OnBehalfOf: c.Actor.OnBehalfOf,
	}}, nil
}
