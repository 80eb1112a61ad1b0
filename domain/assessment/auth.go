package assessment

import (
	"slices"
	"unicode/utf8"

	"github.com/iup-platform/iup/domain"
)

// authorizeTeacher allows a teacher of the course, or an organiser admin
// acting on behalf of one. It returns the id to record as on_behalf_of.
func authorizeTeacher(a domain.Actor, f Facts) (onBehalfOf string, err error) {
	switch a.Role {
	case domain.RoleTeacher, domain.RoleMentor:
		if a.OnBehalfOf != "" {
			return "", domain.Forbidden("only an organiser admin may act on behalf of someone")
		}
		if !slices.Contains(f.Teaching, a.ID) {
			return "", domain.Forbidden("only a teacher of the course may write its assessments")
		}
		return "", nil
	case domain.RoleAdmin:
		if a.OnBehalfOf == "" {
			return "", domain.Forbidden("an organiser admin writes assessments on behalf of a teacher of the course: name that teacher")
		}
		if !slices.Contains(f.Teaching, a.OnBehalfOf) {
			return "", domain.Forbidden("the person acted for is not a teacher of the course")
		}
		return a.OnBehalfOf, nil
	}
	return "", domain.Forbidden("only a teacher of the course may write its assessments")
}

// checkText validates the length of free text in characters.
func checkText(field, s string, max int) error {
	if n := utf8.RuneCountInString(s); n > max {
		return domain.Invalid(field, "is %d characters; at most %d are allowed", n, max)
	}
	if !utf8.ValidString(s) {
		return domain.Invalid(field, "is not valid UTF-8 text")
	}
	return nil
}

func firstError(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
