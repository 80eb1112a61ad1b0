package roster

import "github.com/iup-platform/iup/domain"

// StaffCommand is a command on one staff member's stream.
type StaffCommand interface {
	domain.Command
	staffID() string
	withFacts(Facts) StaffCommand
}

// RegisterStaff adds a staff member.
type RegisterStaff struct {
	domain.Meta
	StaffID     string
	DisplayName string
	Facts       Facts
}

// RenameStaff changes a staff member's display name.
type RenameStaff struct {
	domain.Meta
	StaffID     string
	DisplayName string
	Facts       Facts
}

// GrantRole gives a staff member a role from EffectiveFrom: admin
// (organiser-wide, SchoolID ""), principal, mentor or teacher at a school.
type GrantRole struct {
	domain.Meta
	StaffID       string
	Role          domain.Role
	SchoolID      string
	EffectiveFrom domain.Date
	Facts         Facts
}

// EndRole ends a role from EffectiveFrom.
type EndRole struct {
	domain.Meta
	StaffID       string
	Role          domain.Role
	SchoolID      string
	EffectiveFrom domain.Date
	Facts         Facts
}

func (c RegisterStaff) staffID() string { return c.StaffID }
func (c RenameStaff) staffID() string   { return c.StaffID }
func (c GrantRole) staffID() string     { return c.StaffID }
func (c EndRole) staffID() string       { return c.StaffID }

func (c RegisterStaff) withFacts(f Facts) StaffCommand { c.Facts = f; return c }
func (c RenameStaff) withFacts(f Facts) StaffCommand   { c.Facts = f; return c }
func (c GrantRole) withFacts(f Facts) StaffCommand     { c.Facts = f; return c }
func (c EndRole) withFacts(f Facts) StaffCommand       { c.Facts = f; return c }

// GuardianCommand is a command on one guardian's stream.
type GuardianCommand interface {
	domain.Command
	guardianID() string
	withFacts(Facts) GuardianCommand
}

// RegisterGuardian adds a guardian (a person).
type RegisterGuardian struct {
	domain.Meta
	GuardianID  string
	DisplayName string
	Facts       Facts
}

// RenameGuardian changes a guardian's display name.
type RenameGuardian struct {
	domain.Meta
	GuardianID  string
	DisplayName string
	Facts       Facts
}

func (c RegisterGuardian) guardianID() string { return c.GuardianID }
func (c RenameGuardian) guardianID() string   { return c.GuardianID }

func (c RegisterGuardian) withFacts(f Facts) GuardianCommand { c.Facts = f; return c }
func (c RenameGuardian) withFacts(f Facts) GuardianCommand   { c.Facts = f; return c }

// CourseCommand is a command on one course's stream.
type CourseCommand interface {
	domain.Command
	courseID() string
	withFacts(Facts) CourseCommand
}

// CreateCourse creates a course for one term (Term.Kind HT or VT) or for a
// whole school year (WholeYear, Term.Kind empty).
type CreateCourse struct {
	domain.Meta
	CourseID  string
	SchoolID  string
	Subject   string
	Name      string
	Term      domain.TermRef
	WholeYear bool
	Facts     Facts
}

// AssignTeacher makes a staff member a teacher of the course.
type AssignTeacher struct {
	domain.Meta
	CourseID, StaffID string
	EffectiveFrom     domain.Date
	Facts             Facts
}

// EndTeacher ends a teacher's assignment to the course.
type EndTeacher struct {
	domain.Meta
	CourseID, StaffID string
	EffectiveFrom     domain.Date
	Facts             Facts
}

// EnrolStudents enrols many students (a whole class) in one command.
type EnrolStudents struct {
	domain.Meta
	CourseID      string
	StudentIDs    []string
	EffectiveFrom domain.Date
	Facts         Facts
}

// UnenrolStudents ends many students' enrolment in one command.
type UnenrolStudents struct {
	domain.Meta
	CourseID      string
	StudentIDs    []string
	EffectiveFrom domain.Date
	Facts         Facts
}

func (c CreateCourse) courseID() string    { return c.CourseID }
func (c AssignTeacher) courseID() string   { return c.CourseID }
func (c EndTeacher) courseID() string      { return c.CourseID }
func (c EnrolStudents) courseID() string   { return c.CourseID }
func (c UnenrolStudents) courseID() string { return c.CourseID }

func (c CreateCourse) withFacts(f Facts) CourseCommand    { c.Facts = f; return c }
func (c AssignTeacher) withFacts(f Facts) CourseCommand   { c.Facts = f; return c }
func (c EndTeacher) withFacts(f Facts) CourseCommand      { c.Facts = f; return c }
func (c EnrolStudents) withFacts(f Facts) CourseCommand   { c.Facts = f; return c }
func (c UnenrolStudents) withFacts(f Facts) CourseCommand { c.Facts = f; return c }
