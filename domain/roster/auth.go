package roster

import (
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/iup-platform/iup/domain"
)

// Limits on input.
const (
	MaxName  = 200 // display names and course names, in characters
	MaxBatch = 500 // students in one enrolment command or bulk request
	MaxGrade = 10  // årskurs 10 exists in specialskola
)

// isAdmin: organiser admins write the roster, and so does the service
// itself when it imports one (SS12000), through the same commands.
func isAdmin(a domain.Actor) bool { return a.Role == domain.RoleAdmin || a.Role == domain.RoleSystem }

// authorizeSchool allows an organiser admin, or a principal who leads one of
// schools on the day of the command.
func authorizeSchool(a domain.Actor, f AuthFacts, schools ...string) error {
	if isAdmin(a) {
		return nil
	}
	if a.Role == domain.RolePrincipal && a.OnBehalfOf == "" {
		for _, s := range schools {
			if s != "" && slices.Contains(f.PrincipalOf, s) {
				return nil
			}
		}
	}
	return domain.Forbidden("only an organiser admin, or the principal of the school concerned, may change the roster")
}

// authorizeAnyPrincipal allows an organiser admin or any serving principal
// (people are registered before they have a role at a school).
func authorizeAnyPrincipal(a domain.Actor, f AuthFacts) error {
	if isAdmin(a) || a.Role == domain.RolePrincipal && a.OnBehalfOf == "" && len(f.PrincipalOf) > 0 {
		return nil
	}
	return domain.Forbidden("only an organiser admin or a principal may register people")
}

// checkName validates a required display name.
func checkName(field, s string) (string, error) {
	s = strings.TrimSpace(s)
	if !utf8.ValidString(s) {
		return "", domain.Invalid(field, "is not valid UTF-8 text")
	}
	if s == "" {
		return "", domain.Invalid(field, "is required")
	}
	if n := utf8.RuneCountInString(s); n > MaxName {
		return "", domain.Invalid(field, "is %d characters; at most %d are allowed", n, MaxName)
	}
	return s, nil
}

func requireDate(field string, d domain.Date) error {
	if d.IsZero() {
		return domain.Invalid(field, "is required: the day the change takes effect")
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

// normaliseIDs checks ids, drops repeats and sorts them, so a class sent
// twice, or in another order, decides the same.
func normaliseIDs(field string, ids []string) ([]string, error) {
	if len(ids) == 0 || len(ids) > MaxBatch {
		return nil, domain.Invalid(field, "name 1 to %d ids, not %d", MaxBatch, len(ids))
	}
	out := make([]string, 0, len(ids))
	for _, id := range ids {
		if err := domain.CheckID(field, id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}
