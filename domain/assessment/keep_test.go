package assessment_test

import (
	"testing"
	"time"

	"github.com/iup-platform/iup/domain"
	"github.com/iup-platform/iup/domain/assessment"
	"github.com/iup-platform/iup/domain/domaintest"
)

// Commands on entries fold streams of hundreds of edits: their states are
// kept between commands, which is safe only when folds never share changes.
func TestStatesCanBeKept(t *testing.T) {
	term := domain.TermRef{SchoolYear: "2026-2027", Kind: domain.HT}
	domaintest.CheckKeepable(t, assessment.RoundDecider, []domain.Event{
		assessment.RoundCreated{RoundID: "r1", CourseID: "c1", Term: term, Title: "Ma HT", ScaleID: "s3",
			Steps: []assessment.ScaleStep{{Key: "1", Label: "Inte godtagbar"}, {Key: "2", Label: "Godtagbar"}}, SelfAssessment: true},
		assessment.RoundPublished{RoundID: "r1", PublishAt: time.Date(2026, 12, 18, 8, 0, 0, 0, time.UTC)},
		assessment.RoundSelfAssessmentChanged{RoundID: "r1", Allowed: false},
		assessment.RoundUnpublished{RoundID: "r1"},
		assessment.RoundPublished{RoundID: "r1", PublishAt: time.Date(2026, 12, 20, 8, 0, 0, 0, time.UTC)},
	})
	domaintest.CheckKeepable(t, assessment.EntryDecider, []domain.Event{
		assessment.EntryLevelSet{RoundID: "r1", StudentID: "s1", Level: "1"},
		assessment.EntryCommentSet{RoundID: "r1", StudentID: "s1", Comment: "Behöver öva bråk."},
		assessment.SelfLevelSet{RoundID: "r1", StudentID: "s1", Level: "2"},
		assessment.SelfCommentSet{RoundID: "r1", StudentID: "s1", Comment: "Jag kan mer nu."},
		assessment.EntryLevelSet{RoundID: "r1", StudentID: "s1", Level: "2"},
		assessment.EntryAmended{RoundID: "r1", StudentID: "s1", Term: term, Field: assessment.FieldComment, Comment: "Klarar bråk.", Reason: "rättelse"},
		assessment.EntryAmended{RoundID: "r1", StudentID: "s1", Term: term, Field: assessment.FieldLevel, Level: "1", Reason: "fel elev"},
		assessment.EntryWithdrawn{RoundID: "r1", StudentID: "s1", Reason: "fel kurs"},
		assessment.EntryLevelSet{RoundID: "r1", StudentID: "s1", Level: "2"},
	})
	domaintest.CheckKeepable(t, assessment.StudentTermDecider, []domain.Event{
		assessment.EntryIndexed{StudentID: "s1", Term: term, RoundID: "r1", CourseID: "c1"},
		assessment.EntryIndexed{StudentID: "s1", Term: term, RoundID: "r2", CourseID: "c2"},
		assessment.EntryIndexed{StudentID: "s1", Term: term, RoundID: "r1", CourseID: "c1"},
		assessment.EntryIndexed{StudentID: "s1", Term: term, RoundID: "r3", CourseID: "c3"},
	})
}
