package setup_test

import (
	"testing"

	"github.com/iup-platform/iup/domain"
	"github.com/iup-platform/iup/domain/domaintest"
	"github.com/iup-platform/iup/domain/setup"
)

// The organiser, its schools and school years are folded for the facts of
// nearly every command: their states are kept between commands, which is
// safe only when folds never share changes.
func TestStatesCanBeKept(t *testing.T) {
	d := domain.MustDate
	terms := []setup.Term{{Kind: domain.HT, Start: d("2026-08-17"), End: d("2027-01-15")}, {Kind: domain.VT, Start: d("2027-01-16"), End: d("2027-06-15")}}
	domaintest.CheckKeepable(t, setup.OrganiserDecider, []domain.Event{
		setup.TimeZoneSet{TimeZone: "Europe/Stockholm"},
		setup.SubjectDefined{Code: "MA", Name: "Matematik"},
		setup.SubjectDefined{Code: "SV", Name: "Svenska"},
		setup.SchoolYearIndexed{SchoolYearID: "2026-2027", Terms: terms},
		setup.SupportVisibilitySet{ShowSupportToHome: true},
		setup.SubjectRemoved{Code: "MA"},
		setup.SchoolYearIndexed{SchoolYearID: "2027-2028", SchoolID: "sk1", Terms: terms},
		setup.SubjectDefined{Code: "MA", Name: "Matte"},
	})
	domaintest.CheckKeepable(t, setup.SchoolYearDecider, []domain.Event{
		setup.SchoolYearCreated{SchoolYearID: "2026-2027", Terms: terms},
		setup.TermDatesChanged{SchoolYearID: "2026-2027", Kind: domain.HT, Start: d("2026-08-18"), End: d("2027-01-14")},
		setup.TermDatesChanged{SchoolYearID: "2026-2027", Kind: domain.VT, Start: d("2027-01-17"), End: d("2027-06-12")},
		setup.TermDatesChanged{SchoolYearID: "2026-2027", Kind: domain.HT, Start: d("2026-08-19"), End: d("2027-01-13")},
	})
	domaintest.CheckKeepable(t, setup.SchoolDecider, []domain.Event{
		setup.SchoolRegistered{SchoolID: "sk1", Name: "Ängsskolan", SchoolForms: []string{"grundskola"}},
		setup.SchoolChanged{SchoolID: "sk1", Name: "Ängskolan", SchoolForms: []string{"grundskola", "forskoleklass"}},
		setup.SchoolChanged{SchoolID: "sk1", Name: "Ängsskolan", SchoolForms: []string{"grundskola"}},
	})
}
