package plan_test

import (
	"testing"

	"github.com/iup-platform/iup/domain"
	"github.com/iup-platform/iup/domain/domaintest"
	"github.com/iup-platform/iup/domain/plan"
)

// Plan commands fold the plan's whole history of edits: its states are kept
// between commands, which is safe only when folds never share changes.
func TestStatesCanBeKept(t *testing.T) {
	d := domain.MustDate
	term := domain.TermRef{SchoolYear: "2026-2027", Kind: domain.HT}
	fields := []plan.FieldDef{{Key: "strengths", Heading: "Styrkor", VisibleTo: []domain.Role{domain.RoleMentor}, EditableBy: []domain.Role{domain.RoleMentor}}}
	domaintest.CheckKeepable(t, plan.Decider, []domain.Event{
		plan.LegacyDocumentAttached{PlanID: "p1", StudentID: "s1", Term: term, DocumentID: "doc1", FileName: "iup.pdf", MediaType: "application/pdf", Size: 10},
		plan.Created{PlanID: "p1", StudentID: "s1", Term: term, TemplateID: "tp", TemplateVersion: 1, Title: "IUP HT", Start: d("2026-08-17"), End: d("2027-01-15"), Fields: fields},
		plan.FieldSet{PlanID: "p1", StudentID: "s1", Key: "strengths", Text: "Läser gärna."},
		plan.GoalAdded{PlanID: "p1", StudentID: "s1", GoalID: "g1", Text: "Öva bråk", Owner: plan.OwnerStudent, FollowUp: d("2026-11-01")},
		plan.GoalAdded{PlanID: "p1", StudentID: "s1", GoalID: "g2", Text: "Läsa mer", Owner: plan.OwnerGuardian, FollowUp: d("2026-12-01")},
		plan.FieldSet{PlanID: "p1", StudentID: "s1", Key: "strengths", Text: "Läser mycket."},
		plan.GoalEdited{PlanID: "p1", StudentID: "s1", GoalID: "g1", Text: "Öva bråk och procent", Owner: plan.OwnerSchool, FollowUp: d("2026-11-15")},
		plan.AgreementsRecorded{PlanID: "p1", StudentID: "s1", ConferenceID: "k1", Agreements: []string{"läxhjälp"}},
		plan.Published{PlanID: "p1", StudentID: "s1"},
		plan.GoalEvaluated{PlanID: "p1", StudentID: "s1", GoalID: "g1", Outcome: plan.Met},
		plan.Unpublished{PlanID: "p1", StudentID: "s1"},
		plan.AgreementsRecorded{PlanID: "p1", StudentID: "s1", ConferenceID: "k1", Agreements: []string{"läxhjälp", "lästräning"}},
		plan.LegacyDocumentAttached{PlanID: "p1", StudentID: "s1", Term: term, DocumentID: "doc2", FileName: "bilaga.pdf", MediaType: "application/pdf", Size: 20},
		plan.Archived{PlanID: "p1", StudentID: "s1"},
	})
}
