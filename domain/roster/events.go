package roster

import "github.com/iup-platform/iup/domain"

// StudentRegistered: a student was added to the roster at a school.
type StudentRegistered struct {
	StudentID     string      `json:"student_id"`
	SchoolID      string      `json:"school_id"`
	Grade         int         `json:"grade"` // årskurs; 0 = förskoleklass
	SchoolForm    string      `json:"school_form"`
	GradesGiven   bool        `json:"grades_given"`
	Protected     string      `json:"protected" personal:"true"`
	DisplayName   string      `json:"display_name" personal:"true"`
	EffectiveFrom domain.Date `json:"effective_from"`
}

// StudentRenamed: the student's display name changed.
type StudentRenamed struct {
	StudentID   string `json:"student_id"`
	DisplayName string `json:"display_name" personal:"true"`
}

// StudentDetailsChanged: the student's grade, school form or whether grades
// are given changed (for example at the start of a school year).
type StudentDetailsChanged struct {
	StudentID     string      `json:"student_id"`
	Grade         int         `json:"grade"`
	SchoolForm    string      `json:"school_form"`
	GradesGiven   bool        `json:"grades_given"`
	EffectiveFrom domain.Date `json:"effective_from"`
}

// StudentProtectionChanged: the protected-identity marking changed
// (SS12000 securityMarking).
type StudentProtectionChanged struct {
	StudentID     string      `json:"student_id"`
	Protected     string      `json:"protected" personal:"true"`
	EffectiveFrom domain.Date `json:"effective_from"`
}

// StudentMoved: the student moved to another school of the organiser.
type StudentMoved struct {
	StudentID     string      `json:"student_id"`
	FromSchoolID  string      `json:"from_school_id"`
	SchoolID      string      `json:"school_id"`
	EffectiveFrom domain.Date `json:"effective_from"`
}

// StudentLeft: the student leaves the organiser; EffectiveFrom is the first
// day they no longer belong to it.
type StudentLeft struct {
	StudentID     string      `json:"student_id"`
	EffectiveFrom domain.Date `json:"effective_from"`
}

// GuardianLinked: a person became responsible for the student
// (vårdnadshavare, annan ansvarig or god man). Linking a guardian who is
// already linked with another relation replaces the relation from that day.
type GuardianLinked struct {
	StudentID     string      `json:"student_id"`
	GuardianID    string      `json:"guardian_id"`
	Relation      string      `json:"relation"`
	EffectiveFrom domain.Date `json:"effective_from"`
}

// GuardianUnlinked: the relation ends; EffectiveFrom is its first day without.
type GuardianUnlinked struct {
	StudentID     string      `json:"student_id"`
	GuardianID    string      `json:"guardian_id"`
	EffectiveFrom domain.Date `json:"effective_from"`
}

// GuardianRestricted: secrecy applies towards this one guardian from
// EffectiveFrom; other guardians are not affected.
type GuardianRestricted struct {
	StudentID     string      `json:"student_id"`
	GuardianID    string      `json:"guardian_id"`
	EffectiveFrom domain.Date `json:"effective_from"`
}

// GuardianRestrictionLifted: the secrecy towards the guardian ends.
type GuardianRestrictionLifted struct {
	StudentID     string      `json:"student_id"`
	GuardianID    string      `json:"guardian_id"`
	EffectiveFrom domain.Date `json:"effective_from"`
}

// MentorAssigned: a staff member becomes the student's mentor from
// EffectiveFrom, until Until (exclusive; zero = open).
type MentorAssigned struct {
	StudentID     string      `json:"student_id"`
	StaffID       string      `json:"staff_id"`
	EffectiveFrom domain.Date `json:"effective_from"`
	Until         domain.Date `json:"until"`
}

// MentorEnded: the mentor assignment ends from EffectiveFrom.
type MentorEnded struct {
	StudentID     string      `json:"student_id"`
	StaffID       string      `json:"staff_id"`
	EffectiveFrom domain.Date `json:"effective_from"`
}

// StaffRegistered: a staff member was added to the roster.
type StaffRegistered struct {
	StaffID     string `json:"staff_id"`
	DisplayName string `json:"display_name" personal:"true"`
}

// StaffRenamed: a staff member's display name changed.
type StaffRenamed struct {
	StaffID     string `json:"staff_id"`
	DisplayName string `json:"display_name" personal:"true"`
}

// StaffRoleGranted: a staff member holds a role (at a school, or
// organiser-wide for admin) from EffectiveFrom.
type StaffRoleGranted struct {
	StaffID       string      `json:"staff_id"`
	Role          domain.Role `json:"role"`
	SchoolID      string      `json:"school_id,omitempty"`
	EffectiveFrom domain.Date `json:"effective_from"`
}

// StaffRoleEnded: the role ends from EffectiveFrom.
type StaffRoleEnded struct {
	StaffID       string      `json:"staff_id"`
	Role          domain.Role `json:"role"`
	SchoolID      string      `json:"school_id,omitempty"`
	EffectiveFrom domain.Date `json:"effective_from"`
}

// GuardianRegistered: a guardian (a person) was added to the roster.
type GuardianRegistered struct {
	GuardianID  string `json:"guardian_id"`
	DisplayName string `json:"display_name" personal:"true"`
}

// GuardianRenamed: a guardian's display name changed.
type GuardianRenamed struct {
	GuardianID  string `json:"guardian_id"`
	DisplayName string `json:"display_name" personal:"true"`
}

// CourseCreated: a course (a taught group in a subject) was created for one
// term or a whole school year.
type CourseCreated struct {
	CourseID  string         `json:"course_id"`
	SchoolID  string         `json:"school_id"`
	Subject   string         `json:"subject"`
	Name      string         `json:"name"`
	Term      domain.TermRef `json:"term"` // Kind is "" for a whole-year course
	WholeYear bool           `json:"whole_year"`
}

// CourseTeacherAssigned: a staff member teaches the course from EffectiveFrom.
type CourseTeacherAssigned struct {
	CourseID      string      `json:"course_id"`
	StaffID       string      `json:"staff_id"`
	EffectiveFrom domain.Date `json:"effective_from"`
}

// CourseTeacherEnded: the staff member no longer teaches the course.
type CourseTeacherEnded struct {
	CourseID      string      `json:"course_id"`
	StaffID       string      `json:"staff_id"`
	EffectiveFrom domain.Date `json:"effective_from"`
}

// StudentsEnrolled: students (often a whole class) were enrolled in the
// course from EffectiveFrom. It lists only students not already enrolled.
type StudentsEnrolled struct {
	CourseID      string      `json:"course_id"`
	StudentIDs    []string    `json:"student_ids"`
	EffectiveFrom domain.Date `json:"effective_from"`
}

// StudentsUnenrolled: students leave the course from EffectiveFrom.
type StudentsUnenrolled struct {
	CourseID      string      `json:"course_id"`
	StudentIDs    []string    `json:"student_ids"`
	EffectiveFrom domain.Date `json:"effective_from"`
}

// DataSubject implements domain.DataSubject: the student whose key protects
// the display name and marking.
func (e StudentRegistered) DataSubject() string { return e.StudentID }

// DataSubject implements domain.DataSubject.
func (e StudentRenamed) DataSubject() string { return e.StudentID }

// DataSubject implements domain.DataSubject.
func (e StudentProtectionChanged) DataSubject() string { return e.StudentID }

// DataSubject implements domain.DataSubject: the staff member named.
func (e StaffRegistered) DataSubject() string { return e.StaffID }

// DataSubject implements domain.DataSubject.
func (e StaffRenamed) DataSubject() string { return e.StaffID }

// DataSubject implements domain.DataSubject: the guardian named.
func (e GuardianRegistered) DataSubject() string { return e.GuardianID }

// DataSubject implements domain.DataSubject.
func (e GuardianRenamed) DataSubject() string { return e.GuardianID }
