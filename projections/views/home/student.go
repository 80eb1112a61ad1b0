package home

import "github.com/iup-platform/iup/domain"

// studentView renders the students' view: per student (StudentKey) the published
// plans with the fields the student may see, published omdömen with the
// student's own self-assessments, and talks; never a support matter unless
// the organiser's setting recorded at the talk allowed it.
var studentView = children(domain.RoleStudent)
