package roster_test

import (
	"testing"

	"github.com/iup-platform/iup/domain"
	"github.com/iup-platform/iup/domain/domaintest"
	"github.com/iup-platform/iup/domain/roster"
)

// Students and courses are folded for the facts of nearly every command:
// their states are kept between commands, which is safe only when folds
// never share changes.
func TestStatesCanBeKept(t *testing.T) {
	d := domain.MustDate
	domaintest.CheckKeepable(t, roster.StudentDecider, []domain.Event{
		roster.StudentRegistered{StudentID: "s1", SchoolID: "sk1", Grade: 4, SchoolForm: "grundskola", DisplayName: "Elev Ett", EffectiveFrom: d("2026-08-17")},
		roster.GuardianLinked{StudentID: "s1", GuardianID: "g1", Relation: "vårdnadshavare", EffectiveFrom: d("2026-08-17")},
		roster.GuardianLinked{StudentID: "s1", GuardianID: "g2", Relation: "vårdnadshavare", EffectiveFrom: d("2026-08-17")},
		roster.MentorAssigned{StudentID: "s1", StaffID: "m1", EffectiveFrom: d("2026-08-17")},
		roster.GuardianRestricted{StudentID: "s1", GuardianID: "g2", EffectiveFrom: d("2026-09-01")},
		roster.ProtectedAccessGranted{StudentID: "s1", StaffID: "m1", EffectiveFrom: d("2026-09-01")},
		roster.StudentRenamed{StudentID: "s1", DisplayName: "Elev Etta"},
		roster.StudentProtectionChanged{StudentID: "s1", Protected: "confidential", EffectiveFrom: d("2026-09-02")},
		roster.GuardianRestrictionLifted{StudentID: "s1", GuardianID: "g2", EffectiveFrom: d("2026-10-01")},
		roster.MentorEnded{StudentID: "s1", StaffID: "m1", EffectiveFrom: d("2026-11-01")},
		roster.MentorAssigned{StudentID: "s1", StaffID: "m2", EffectiveFrom: d("2026-11-01")},
		roster.ProtectedAccessRevoked{StudentID: "s1", StaffID: "m1", EffectiveFrom: d("2026-11-01")},
		roster.GuardianUnlinked{StudentID: "s1", GuardianID: "g1", EffectiveFrom: d("2026-12-01")},
		roster.StudentDetailsChanged{StudentID: "s1", Grade: 5, SchoolForm: "grundskola", EffectiveFrom: d("2027-01-08")},
		roster.StudentMoved{StudentID: "s1", FromSchoolID: "sk1", SchoolID: "sk2", EffectiveFrom: d("2027-01-08")},
		roster.GuardianLinked{StudentID: "s1", GuardianID: "g1", Relation: "vårdnadshavare", EffectiveFrom: d("2027-02-01")},
		roster.StudentLeft{StudentID: "s1", EffectiveFrom: d("2027-06-15")},
	})
	term := domain.TermRef{SchoolYear: "2026-2027", Kind: domain.HT}
	domaintest.CheckKeepable(t, roster.CourseDecider, []domain.Event{
		roster.CourseCreated{CourseID: "c1", SchoolID: "sk1", Subject: "MA", Name: "Ma 4A", Term: term},
		roster.CourseTeacherAssigned{CourseID: "c1", StaffID: "t1", EffectiveFrom: d("2026-08-17")},
		roster.StudentsEnrolled{CourseID: "c1", StudentIDs: []string{"s1", "s2", "s3"}, EffectiveFrom: d("2026-08-17")},
		roster.CourseTeacherAssigned{CourseID: "c1", StaffID: "t2", EffectiveFrom: d("2026-09-01")},
		roster.StudentsUnenrolled{CourseID: "c1", StudentIDs: []string{"s2"}, EffectiveFrom: d("2026-10-01")},
		roster.CourseTeacherEnded{CourseID: "c1", StaffID: "t1", EffectiveFrom: d("2026-11-01")},
		roster.StudentsEnrolled{CourseID: "c1", StudentIDs: []string{"s4", "s2"}, EffectiveFrom: d("2026-11-01")},
		roster.StudentsUnenrolled{CourseID: "c1", StudentIDs: []string{"s1", "s3"}, EffectiveFrom: d("2026-12-01")},
	})
}
