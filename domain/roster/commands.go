package roster

import (
	"github.com/iup-platform/iup/domain"
	"github.com/iup-platform/iup/domain/setup"
)

// FactRead is a stream a fact was read from and the version it was read at,
// so a decision can be audited later.
type FactRead = setup.FactRead

// AuthFacts say what the acting person may do on Day (today in the
// organiser's time zone): the schools they lead as principal.
type AuthFacts struct {
	Day         domain.Date
	PrincipalOf []string
}

// Facts are what a roster decision needs from other streams, loaded by the
// handler. Each command reads the parts it names.
type Facts struct {
	Auth AuthFacts
	// School is the school a command names (registration, move, course).
	SchoolExists bool
	SchoolForms  []string
	// OtherExists: the guardian or staff member a command names exists.
	OtherExists bool
	// Missing lists named students that do not exist (enrolment).
	Missing []string
	// SchoolYearExists and SubjectExists are checked when creating a course.
	SchoolYearExists bool
	SubjectExists    bool
	Read             []FactRead
}

// StudentCommand is a command on one student's stream.
type StudentCommand interface {
	domain.Command
	studentID() string
	withFacts(Facts) StudentCommand
}

// RegisterStudent adds a student at a school.
type RegisterStudent struct {
	domain.Meta
	StudentID     string
	SchoolID      string
	Grade         int
	SchoolForm    string
	GradesGiven   bool
	Protected     string // "" = none
	DisplayName   string
	EffectiveFrom domain.Date
	Facts         Facts
}

// RenameStudent changes the student's display name.
type RenameStudent struct {
	domain.Meta
	StudentID   string
	DisplayName string
	Facts       Facts
}

// ChangeStudentDetails sets grade, school form and whether grades are given.
type ChangeStudentDetails struct {
	domain.Meta
	StudentID     string
	Grade         int
	SchoolForm    string
	GradesGiven   bool
	EffectiveFrom domain.Date
	Facts         Facts
}

// SetProtection sets the protected-identity marking.
type SetProtection struct {
	domain.Meta
	StudentID     string
	Protected     string
	EffectiveFrom domain.Date
	Facts         Facts
}

// MoveStudent moves the student to another school of the organiser.
type MoveStudent struct {
	domain.Meta
	StudentID     string
	SchoolID      string
	EffectiveFrom domain.Date
	Facts         Facts
}

// RecordLeaving records that the student leaves the organiser.
type RecordLeaving struct {
	domain.Meta
	StudentID     string
	EffectiveFrom domain.Date // the first day outside the organiser
	Facts         Facts
}

// LinkGuardian makes a person responsible for the student with a relation.
type LinkGuardian struct {
	domain.Meta
	StudentID, GuardianID string
	Relation              string
	EffectiveFrom         domain.Date
	Facts                 Facts
}

// UnlinkGuardian ends a guardian's relation to the student.
type UnlinkGuardian struct {
	domain.Meta
	StudentID, GuardianID string
	EffectiveFrom         domain.Date
	Facts                 Facts
}

// RestrictGuardian applies secrecy towards one guardian.
type RestrictGuardian struct {
	domain.Meta
	StudentID, GuardianID string
	EffectiveFrom         domain.Date
	Facts                 Facts
}

// LiftGuardianRestriction ends the secrecy towards one guardian.
type LiftGuardianRestriction struct {
	domain.Meta
	StudentID, GuardianID string
	EffectiveFrom         domain.Date
	Facts                 Facts
}

// AssignMentor makes a staff member the student's mentor from
// EffectiveFrom, until Until (exclusive; zero = open-ended).
type AssignMentor struct {
	domain.Meta
	StudentID, StaffID string
	EffectiveFrom      domain.Date
	Until              domain.Date
	Facts              Facts
}

// EndMentor ends a mentor assignment from EffectiveFrom.
type EndMentor struct {
	domain.Meta
	StudentID, StaffID string
	EffectiveFrom      domain.Date
	Facts              Facts
}

func (c RegisterStudent) studentID() string         { return c.StudentID }
func (c RenameStudent) studentID() string           { return c.StudentID }
func (c ChangeStudentDetails) studentID() string    { return c.StudentID }
func (c SetProtection) studentID() string           { return c.StudentID }
func (c MoveStudent) studentID() string             { return c.StudentID }
func (c RecordLeaving) studentID() string           { return c.StudentID }
func (c LinkGuardian) studentID() string            { return c.StudentID }
func (c UnlinkGuardian) studentID() string          { return c.StudentID }
func (c RestrictGuardian) studentID() string        { return c.StudentID }
func (c LiftGuardianRestriction) studentID() string { return c.StudentID }
func (c AssignMentor) studentID() string            { return c.StudentID }
func (c EndMentor) studentID() string               { return c.StudentID }

func (c RegisterStudent) withFacts(f Facts) StudentCommand         { c.Facts = f; return c }
func (c RenameStudent) withFacts(f Facts) StudentCommand           { c.Facts = f; return c }
func (c ChangeStudentDetails) withFacts(f Facts) StudentCommand    { c.Facts = f; return c }
func (c SetProtection) withFacts(f Facts) StudentCommand           { c.Facts = f; return c }
func (c MoveStudent) withFacts(f Facts) StudentCommand             { c.Facts = f; return c }
func (c RecordLeaving) withFacts(f Facts) StudentCommand           { c.Facts = f; return c }
func (c LinkGuardian) withFacts(f Facts) StudentCommand            { c.Facts = f; return c }
func (c UnlinkGuardian) withFacts(f Facts) StudentCommand          { c.Facts = f; return c }
func (c RestrictGuardian) withFacts(f Facts) StudentCommand        { c.Facts = f; return c }
func (c LiftGuardianRestriction) withFacts(f Facts) StudentCommand { c.Facts = f; return c }
func (c AssignMentor) withFacts(f Facts) StudentCommand            { c.Facts = f; return c }
func (c EndMentor) withFacts(f Facts) StudentCommand               { c.Facts = f; return c }
