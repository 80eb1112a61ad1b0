package duties

import (
	"testing"

	"github.com/iup-platform/iup/domain/setup"
)

// The table written out by hand from the sources, row by row: a change to
// For that disagrees with Skolverket's text fails here.
func TestTheDutyTable(t *testing.T) {
	for _, tc := range []struct {
		form   string
		grade  int
		grades bool
		want   Duties
	}{
		{setup.FormForskoleklass, 0, false, Duties{}},
		{setup.FormGrundskola, 1, false, Duties{WrittenIUP: true, TalkPerTerm: true}},
		{setup.FormGrundskola, 3, false, Duties{WrittenIUP: true, TalkPerTerm: true, RiskSignal: true}},
		{setup.FormGrundskola, 5, false, Duties{WrittenIUP: true, TalkPerTerm: true}},
		{setup.FormGrundskola, 6, true, Duties{TalkPerTerm: true, RiskSignal: true}},
		{setup.FormGrundskola, 9, true, Duties{TalkPerTerm: true, RiskSignal: true}},
		{setup.FormSameskola, 4, false, Duties{WrittenIUP: true, TalkPerTerm: true}},
		{setup.FormSameskola, 6, true, Duties{TalkPerTerm: true, RiskSignal: true}},
		{setup.FormAnpassadGrundskola, 5, false, Duties{WrittenIUP: true, TalkPerTerm: true}},
		{setup.FormAnpassadGrundskola, 7, false, Duties{WrittenIUP: true, TalkPerTerm: true}},
		{setup.FormAnpassadGrundskola, 7, true, Duties{TalkPerTerm: true}},
		{setup.FormSpecialskola, 6, true, Duties{WrittenIUP: true, TalkPerTerm: true, RiskSignal: true}},
		{setup.FormSpecialskola, 10, false, Duties{WrittenIUP: true, TalkPerTerm: true}},
		{setup.FormSpecialskola, 8, true, Duties{TalkPerTerm: true}},
	} {
		if got := For(tc.form, tc.grade, tc.grades); got != tc.want {
			t.Errorf("%s year %d (grades given %v) = %+v, want %+v", tc.form, tc.grade, tc.grades, got, tc.want)
		}
	}
}
