package roster

import "github.com/iup-platform/iup/domain"

// EventType implements domain.Event.
func (StudentRegistered) EventType() string { return "roster.student-registered" }

// EventType implements domain.Event.
func (StudentRenamed) EventType() string { return "roster.student-renamed" }

// EventType implements domain.Event.
func (StudentDetailsChanged) EventType() string { return "roster.student-details-changed" }

// EventType implements domain.Event.
func (StudentProtectionChanged) EventType() string { return "roster.student-protection-changed" }

// EventType implements domain.Event.
func (StudentMoved) EventType() string { return "roster.student-moved" }

// EventType implements domain.Event.
func (StudentLeft) EventType() string { return "roster.student-left" }

// EventType implements domain.Event.
func (GuardianLinked) EventType() string { return "roster.guardian-linked" }

// EventType implements domain.Event.
func (GuardianUnlinked) EventType() string { return "roster.guardian-unlinked" }

// EventType implements domain.Event.
func (GuardianRestricted) EventType() string { return "roster.guardian-restricted" }

// EventType implements domain.Event.
func (GuardianRestrictionLifted) EventType() string { return "roster.guardian-restriction-lifted" }

// EventType implements domain.Event.
func (MentorAssigned) EventType() string { return "roster.mentor-assigned" }

// EventType implements domain.Event.
func (MentorEnded) EventType() string { return "roster.mentor-ended" }

// EventType implements domain.Event.
func (StaffRegistered) EventType() string { return "roster.staff-registered" }

// EventType implements domain.Event.
func (StaffRenamed) EventType() string { return "roster.staff-renamed" }

// EventType implements domain.Event.
func (StaffRoleGranted) EventType() string { return "roster.staff-role-granted" }

// EventType implements domain.Event.
func (StaffRoleEnded) EventType() string { return "roster.staff-role-ended" }

// EventType implements domain.Event.
func (GuardianRegistered) EventType() string { return "roster.guardian-registered" }

// EventType implements domain.Event.
func (GuardianRenamed) EventType() string { return "roster.guardian-renamed" }

// EventType implements domain.Event.
func (CourseCreated) EventType() string { return "roster.course-created" }

// EventType implements domain.Event.
func (CourseTeacherAssigned) EventType() string { return "roster.course-teacher-assigned" }

// EventType implements domain.Event.
func (CourseTeacherEnded) EventType() string { return "roster.course-teacher-ended" }

// EventType implements domain.Event.
func (StudentsEnrolled) EventType() string { return "roster.students-enrolled" }

// EventType implements domain.Event.
func (StudentsUnenrolled) EventType() string { return "roster.students-unenrolled" }

func init() {
	domain.Register[StudentRegistered](domain.Events, 1)
	domain.Register[StudentRenamed](domain.Events, 1)
	domain.Register[StudentDetailsChanged](domain.Events, 1)
	domain.Register[StudentProtectionChanged](domain.Events, 1)
	domain.Register[StudentMoved](domain.Events, 1)
	domain.Register[StudentLeft](domain.Events, 1)
	domain.Register[GuardianLinked](domain.Events, 1)
	domain.Register[GuardianUnlinked](domain.Events, 1)
	domain.Register[GuardianRestricted](domain.Events, 1)
	domain.Register[GuardianRestrictionLifted](domain.Events, 1)
	domain.Register[MentorAssigned](domain.Events, 1)
	domain.Register[MentorEnded](domain.Events, 1)
	domain.Register[StaffRegistered](domain.Events, 1)
	domain.Register[StaffRenamed](domain.Events, 1)
	domain.Register[StaffRoleGranted](domain.Events, 1)
	domain.Register[StaffRoleEnded](domain.Events, 1)
	domain.Register[GuardianRegistered](domain.Events, 1)
	domain.Register[GuardianRenamed](domain.Events, 1)
	domain.Register[CourseCreated](domain.Events, 1)
	domain.Register[CourseTeacherAssigned](domain.Events, 1)
	domain.Register[CourseTeacherEnded](domain.Events, 1)
	domain.Register[StudentsEnrolled](domain.Events, 1)
	domain.Register[StudentsUnenrolled](domain.Events, 1)
}
