// Package roster holds who is who at the organiser: students (elever) with
// their school, grade, guardians (vårdnadshavare) and mentors; staff with
// their roles over time; guardians; and courses with their teachers and
// enrolled students. Every change carries the day it takes effect, so access
// can be judged as it was on any given day. Periods are half-open: From is
// the first day a relation holds, To the first day it no longer does (zero
// for open-ended).
package roster

import "github.com/iup-platform/iup/domain"

// Stream categories. Each ends before the first '-' of the stream name.
const (
	studentCategory  = "rosterstudent"
	staffCategory    = "rosterstaff"
	guardianCategory = "rosterguardian"
	courseCategory   = "rostercourse"
)

// StudentStream is the stream of one student.
func StudentStream(tenant, id string) string { return domain.StreamName(studentCategory, tenant, id) }

// StaffStream is the stream of one staff member.
func StaffStream(tenant, id string) string { return domain.StreamName(staffCategory, tenant, id) }

// GuardianStream is the stream of one guardian (a person; the relation to
// each student lives on the student's stream).
func GuardianStream(tenant, id string) string {
	return domain.StreamName(guardianCategory, tenant, id)
}

// CourseStream is the stream of one course.
func CourseStream(tenant, id string) string { return domain.StreamName(courseCategory, tenant, id) }
