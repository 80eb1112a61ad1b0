// Package risk holds the risk signal: a teacher of the subject or the
// student's mentor marks that a student risks not reaching the knowledge
// requirements (kunskapskraven) in a subject, and can withdraw the mark.
//
// The school must signal clearly at the end of years 3, 6 and 9 (DutyYear);
// the flag is allowed in every year.
package risk

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/iup-platform/iup/domain"
	"github.com/iup-platform/iup/domain/duties"
	"github.com/iup-platform/iup/domain/setup"
)

const category = "risksignal"

// MaxSubject is the longest subject code accepted, in characters.
const MaxSubject = 32

// Stream is the risk-signal stream of one student in one subject. Subject
// codes may contain spaces and other characters that do not belong in a
// stream name, so they are encoded (see EncodeSubject).
func Stream(tenant, studentID, subjectCode string) string {
	return domain.StreamName(category, tenant, studentID+"."+EncodeSubject(subjectCode))
}

// EncodeSubject turns a subject code into a stream-name-safe string: ASCII
// letters, digits and '-' stay, every other byte becomes "_XX" (hex). The
// encoding is reversible, so two codes never share a stream.
func EncodeSubject(code string) string {
	var b strings.Builder
	for i := 0; i < len(code); i++ {
		c := code[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' {
			b.WriteByte(c)
			continue
		}
		fmt.Fprintf(&b, "_%02X", c)
	}
	return b.String()
}

// CheckSubject validates a subject code such as "MA", "SVA" or "M2 SPA".
func CheckSubject(field, code string) error {
	if strings.TrimSpace(code) != code || code == "" {
		return domain.Invalid(field, "is required and must not start or end with a space")
	}
	if utf8.RuneCountInString(code) > MaxSubject {
		return domain.Invalid(field, "must be at most %d characters", MaxSubject)
	}
	for _, r := range code {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != ' ' && r != '-' && r != '_' {
			return domain.Invalid(field, "may hold letters, digits, spaces, '-' and '_' only")
		}
	}
	return nil
}

// DutyYear reports whether the school has an explicit duty to signal a risk
// of not reaching the knowledge requirements in this grade (years 3, 6, 9).
func DutyYear(grade int) bool { return duties.For(setup.FormGrundskola, grade, true).RiskSignal }
