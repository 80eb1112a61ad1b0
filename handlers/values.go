package handlers

import (
	"encoding/json"
	"strings"

	"github.com/iup-platform/iup/domain"
)

// termRef is a term in requests: "SCHOOLYEAR:HT" or "SCHOOLYEAR:VT".
type termRef domain.TermRef

// UnmarshalJSON parses the string form.
func (t *termRef) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return &fieldError{field: "term", msg: `term must be a string "SCHOOLYEAR:HT" or "SCHOOLYEAR:VT".`}
	}
	ref, err := parseTerm(s)
	if err != nil {
		return err
	}
	*t = termRef(ref)
	return nil
}

// MarshalJSON writes the string form.
func (t termRef) MarshalJSON() ([]byte, error) { return json.Marshal(domain.TermRef(t).String()) }

func parseTerm(s string) (domain.TermRef, error) {
	i := strings.LastIndexByte(s, ':')
	if i <= 0 {
		return domain.TermRef{}, &fieldError{field: "term", msg: `term must be "SCHOOLYEAR:HT" or "SCHOOLYEAR:VT".`}
	}
	ref := domain.TermRef{SchoolYear: s[:i], Kind: domain.TermKind(s[i+1:])}
	if err := ref.Check("term"); err != nil {
		return domain.TermRef{}, &fieldError{field: "term", msg: err.Error()}
	}
	return ref, nil
}
