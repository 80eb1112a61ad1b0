package policy

import (
	"slices"

	"github.com/iup-platform/iup/domain"
)

// Role sets of the coarse write check: who may ever succeed with a command.
var (
	adminOnly     = []domain.Role{domain.RoleAdmin}
	schoolLeaders = []domain.Role{domain.RoleAdmin, domain.RolePrincipal}
	assessors     = []domain.Role{domain.RoleAdmin, domain.RoleMentor, domain.RoleTeacher}
	planStaff     = []domain.Role{domain.RoleAdmin, domain.RoleMentor}
	fieldWriters  = []domain.Role{domain.RoleAdmin, domain.RoleMentor, domain.RoleTeacher, domain.RoleStudent, domain.RoleGuardian}
	studentOnly   = []domain.Role{domain.RoleStudent}
	guardianOnly  = []domain.Role{domain.RoleGuardian}
)

// writeRoles is the coarse check of every command route, keyed by method
// and route template: the roles that may reach the domain at all. The
// domain then checks the relation (mentor of, teacher of the course, ...)
// and refuses the rest. A command route missing here is refused for
// everyone, so a new route cannot open by accident.
var writeRoles = map[string][]domain.Role{
	"PUT /v1/organiser/settings":                         adminOnly,
	"PUT /v1/retention/schedule":                         adminOnly,
	"POST /v1/students/{student_id}/holds":               adminOnly,
	"POST /v1/students/{student_id}/holds/lift":          adminOnly,
	"POST /v1/students/{student_id}/erasure":             adminOnly,
	"PUT /v1/subjects/{code}":                            adminOnly,
	"DELETE /v1/subjects/{code}":                         adminOnly,
	"POST /v1/schools":                                   adminOnly,
	"PUT /v1/schools/{school_id}":                        schoolLeaders,
	"POST /v1/school-years":                              schoolLeaders,
	"PUT /v1/school-years/{school_year_id}/terms/{term}": schoolLeaders,
	"POST /v1/scales":                                    schoolLeaders,
	"POST /v1/templates":                                 schoolLeaders,
	"POST /v1/templates/{template_id}/versions":          schoolLeaders,

	"POST /v1/students":                                                       schoolLeaders,
	"PUT /v1/students/{student_id}/name":                                      schoolLeaders,
	"PUT /v1/students/{student_id}/details":                                   schoolLeaders,
	"PUT /v1/students/{student_id}/protection":                                schoolLeaders,
	"POST /v1/students/{student_id}/move":                                     schoolLeaders,
	"POST /v1/students/{student_id}/leaving":                                  schoolLeaders,
	"PUT /v1/students/{student_id}/guardians/{guardian_id}":                   schoolLeaders,
	"POST /v1/students/{student_id}/guardians/{guardian_id}/end":              schoolLeaders,
	"POST /v1/students/{student_id}/guardians/{guardian_id}/restriction":      schoolLeaders,
	"POST /v1/students/{student_id}/guardians/{guardian_id}/restriction/lift": schoolLeaders,
	"PUT /v1/students/{student_id}/mentors/{staff_id}":                        schoolLeaders,
	"POST /v1/students/{student_id}/mentors/{staff_id}/end":                   schoolLeaders,
	"POST /v1/students/{student_id}/protected-access/{staff_id}":              schoolLeaders,
	"DELETE /v1/students/{student_id}/protected-access/{staff_id}":            schoolLeaders,
	"POST /v1/guardians":                                                      schoolLeaders,
	"PUT /v1/guardians/{guardian_id}/name":                                    schoolLeaders,
	"POST /v1/staff":                                                          schoolLeaders,
	"PUT /v1/staff/{staff_id}/name":                                           schoolLeaders,
	"POST /v1/staff/{staff_id}/roles":                                         schoolLeaders,
	"POST /v1/staff/{staff_id}/roles/end":                                     schoolLeaders,
	"POST /v1/staff/{staff_id}/mentees":                                       schoolLeaders,
	"POST /v1/courses":                                                        schoolLeaders,
	"PUT /v1/courses/{course_id}/teachers/{staff_id}":                         schoolLeaders,
	"POST /v1/courses/{course_id}/teachers/{staff_id}/end":                    schoolLeaders,
	"POST /v1/courses/{course_id}/enrolments":                                 schoolLeaders,
	"POST /v1/courses/{course_id}/unenrolments":                               schoolLeaders,

	"POST /v1/courses/{course_id}/assessments":                            assessors,
	"POST /v1/assessments/{round_id}/publish":                             assessors,
	"POST /v1/assessments/{round_id}/unpublish":                           assessors,
	"PUT /v1/assessments/{round_id}/self-assessment-setting":              assessors,
	"POST /v1/assessments/{round_id}/levels:bulk":                         assessors,
	"PUT /v1/assessments/{round_id}/entries/{student_id}":                 assessors,
	"PUT /v1/assessments/{round_id}/entries/{student_id}/self-assessment": studentOnly,
	"POST /v1/assessments/{round_id}/entries/{student_id}/withdraw":       assessors,

	"POST /v1/plans:bulk":                                 planStaff,
	"POST /v1/plans":                                      planStaff,
	"PUT /v1/plans/{plan_id}/fields/{key}":                fieldWriters,
	"POST /v1/plans/{plan_id}/goals":                      planStaff,
	"PUT /v1/plans/{plan_id}/goals/{goal_id}":             planStaff,
	"POST /v1/plans/{plan_id}/goals/{goal_id}/evaluation": planStaff,
	"POST /v1/plans/{plan_id}/agreements":                 planStaff,
	"POST /v1/plans/{plan_id}/publish":                    planStaff,
	"POST /v1/plans/{plan_id}/unpublish":                  planStaff,
	"POST /v1/plans/{plan_id}/archive":                    planStaff,
	"POST /v1/plans/{plan_id}/legacy-documents":           planStaff,

	"POST /v1/conferences":                                  planStaff,
	"PUT /v1/conferences/{conference_id}/booking":           planStaff,
	"POST /v1/conferences/{conference_id}/cancel":           planStaff,
	"POST /v1/conferences/{conference_id}/held":             planStaff,
	"POST /v1/conferences/{conference_id}/acknowledgements": guardianOnly,

	"PUT /v1/students/{student_id}/risk-signals/{subject}":           assessors,
	"POST /v1/students/{student_id}/risk-signals/{subject}/withdraw": assessors,
}

// Write is the coarse check of a command: whether role may send method to
// the route template at all. known is false for a route the table lacks.
func Write(role domain.Role, method, template string) (allowed, known bool) {
	roles, ok := writeRoles[method+" "+template]
	if !ok {
		return false, false
	}
	return slices.Contains(roles, role), true
}

// IsWrite reports whether method changes state (the coarse check applies).
func IsWrite(method string) bool {
	return method == "POST" || method == "PUT" || method == "DELETE" || method == "PATCH"
}
