package setup

import (
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/iup-platform/iup/domain"
)

// School forms (skolformer) a school runs and a student belongs to.
const (
	FormGrundskola         = "grundskola"
	FormAnpassadGrundskola = "anpassad_grundskola" // formerly grundsärskola
	FormSameskola          = "sameskola"
	FormSpecialskola       = "specialskola"
	FormForskoleklass      = "forskoleklass" // förskoleklass
)

// SchoolForms lists the school forms in a stable order.
var SchoolForms = []string{FormForskoleklass, FormGrundskola, FormAnpassadGrundskola, FormSameskola, FormSpecialskola}

// ValidSchoolForm reports whether f is a known school form.
func ValidSchoolForm(f string) bool { return slices.Contains(SchoolForms, f) }

// Limits on text input, in characters.
const (
	MaxName    = 200 // school, scale and template titles, field headings
	MaxSubject = 100 // subject names
	MaxLabel   = 100 // scale step labels
	MaxFields  = 100 // fields per template
)

var (
	subjectCodePattern = regexp.MustCompile(`^[A-Z0-9]([A-Z0-9 ]{0,10}[A-Z0-9])?$`)
	fieldKeyPattern    = regexp.MustCompile(`^[a-z][a-z0-9_]{0,39}$`)
	stepKeyPattern     = regexp.MustCompile(`^[A-Za-z0-9+_-]{1,20}$`)
)

// ValidSubjectCode reports whether code is 1-12 uppercase letters, digits or
// inner spaces ("SV", "MA", "M2 SPA").
func ValidSubjectCode(code string) bool { return subjectCodePattern.MatchString(code) }

// requireAdmin allows organiser admins, and the service itself for imports.
func requireAdmin(a domain.Actor) error {
	if a.Role == domain.RoleAdmin || a.Role == domain.RoleSystem {
		return nil
	}
	return domain.Forbidden("only an organiser admin may change the organiser's setup")
}

// checkText validates required free text of at most max characters.
func checkText(field, s string, max int) error {
	if !utf8.ValidString(s) {
		return domain.Invalid(field, "is not valid UTF-8 text")
	}
	if strings.TrimSpace(s) == "" {
		return domain.Invalid(field, "is required")
	}
	if n := utf8.RuneCountInString(s); n > max {
		return domain.Invalid(field, "is %d characters; at most %d are allowed", n, max)
	}
	return nil
}

// checkOptionalID validates an id that may be empty.
func checkOptionalID(field, id string) error {
	if id == "" {
		return nil
	}
	return domain.CheckID(field, id)
}

func firstError(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// normaliseForms checks school forms and removes repeats, keeping order.
func normaliseForms(forms []string) ([]string, error) {
	if len(forms) == 0 {
		return nil, domain.Invalid("school_forms", "name at least one of %s", strings.Join(SchoolForms, ", "))
	}
	out := make([]string, 0, len(forms))
	for _, f := range forms {
		if !ValidSchoolForm(f) {
			return nil, domain.Invalid("school_forms", "%q is not one of %s", f, strings.Join(SchoolForms, ", "))
		}
		if !slices.Contains(out, f) {
			out = append(out, f)
		}
	}
	return out, nil
}
