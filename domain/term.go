package domain

import (
	"context"
	"fmt"
	"strings"
)

// TermKind is hösttermin (HT) or vårtermin (VT).
type TermKind string

// The two terms of a school year.
const (
	HT TermKind = "HT" // autumn term, hösttermin
	VT TermKind = "VT" // spring term, vårtermin
)

// Valid reports whether k is HT or VT.
func (k TermKind) Valid() bool { return k == HT || k == VT }

// TermRef names one term of one school year. An omdöme, a plan and a
// conference name their term when created; nothing infers it from dates.
type TermRef struct {
	SchoolYear string   `json:"school_year"` // school-year id, e.g. "2026-2027"
	Kind       TermKind `json:"kind"`
}

func (t TermRef) String() string { return t.SchoolYear + ":" + string(t.Kind) }

// ParseTermRef parses "SCHOOLYEAR:HT" or "SCHOOLYEAR:VT".
func ParseTermRef(s string) (TermRef, error) {
	i := strings.LastIndexByte(s, ':')
	if i <= 0 {
		return TermRef{}, Invalid("term", "%q is not SCHOOLYEAR:HT or SCHOOLYEAR:VT", s)
	}
	t := TermRef{SchoolYear: s[:i], Kind: TermKind(s[i+1:])}
	return t, t.Check("term")
}

// Check validates t for field.
func (t TermRef) Check(field string) error {
	if err := CheckID(field+".school_year", t.SchoolYear); err != nil {
		return err
	}
	if !t.Kind.Valid() {
		return Invalid(field+".kind", "must be HT or VT, not %q", t.Kind)
	}
	return nil
}

// Load folds a stream with decider d and returns the state and its version,
// for handlers that need another aggregate's facts.
func Load[S any, C any](ctx context.Context, log EventLog, d Decider[S, C], stream string) (S, Version, error) {
	s, v, err := fold(ctx, log, d, stream)
	if err != nil {
		return s, NoStream, fmt.Errorf("load %s: %w", stream, err)
	}
	return s, v, nil
}
