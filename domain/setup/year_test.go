package setup_test

import (
	"testing"
	"time"

	"github.com/iup-platform/iup/domain"
	"github.com/iup-platform/iup/domain/domaintest"
	"github.com/iup-platform/iup/domain/setup"
)

func TestSchoolYear(t *testing.T) {
	created := setup.SchoolYearCreated{SchoolYearID: "2026-2027", Terms: []setup.Term{ht26, vt27}}
	other := setup.IndexedSchoolYear{ID: "2027-2028", Terms: []setup.Term{
		term(domain.HT, "2027-08-16", "2027-12-17"), term(domain.VT, "2028-01-10", "2028-06-09")}}
	create := setup.CreateSchoolYear{Meta: admin, SchoolYearID: "2026-2027", HT: ht26, VT: vt27}

	t.Run("an admin creates a school year with its HT and VT terms", func(t *testing.T) {
		domaintest.Given(t, setup.SchoolYearDecider).When(create).Then(created)
		y := setup.SchoolYearDecider.Fold([]domain.Event{created})
		if got, ok := y.Term(domain.VT); !ok || got != vt27 || !y.Exists {
			t.Fatalf("VT = %+v, %v", got, ok)
		}
	})
	t.Run("a non-admin cannot create a school year", func(t *testing.T) {
		c := create
		c.Meta = principal
		domaintest.Given(t, setup.SchoolYearDecider).When(c).ThenError(domain.CodeForbidden)
	})
	t.Run("HT must end before VT starts", func(t *testing.T) {
		c := create
		c.HT, c.VT = term(domain.HT, "2027-01-07", "2027-06-11"), term(domain.VT, "2026-08-17", "2026-12-18")
		domaintest.Given(t, setup.SchoolYearDecider).When(c).ThenError(domain.CodeInvalid)
		c.HT, c.VT = ht26, term(domain.VT, "2026-12-18", "2027-06-11")
		domaintest.Given(t, setup.SchoolYearDecider).When(c).ThenError(domain.CodeInvalid)
	})
	t.Run("a term cannot end before it starts or lack a date", func(t *testing.T) {
		c := create
		c.HT = term(domain.HT, "2026-12-18", "2026-08-17")
		domaintest.Given(t, setup.SchoolYearDecider).When(c).ThenError(domain.CodeInvalid)
		c.HT = setup.Term{Start: d("2026-08-17")}
		domaintest.Given(t, setup.SchoolYearDecider).When(c).ThenError(domain.CodeInvalid)
	})
	t.Run("a one-day term is allowed", func(t *testing.T) {
		c := create
		c.HT = term(domain.HT, "2026-08-17", "2026-08-17")
		if _, err := domaintest.Given(t, setup.SchoolYearDecider).When(c).Events(); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("overlapping terms are refused", func(t *testing.T) {
		c := create
		c.Facts.Others = []setup.IndexedSchoolYear{other}
		c.VT = term(domain.VT, "2027-01-07", "2027-08-20")
		domaintest.Given(t, setup.SchoolYearDecider).When(c).ThenError(domain.CodeRuleViolated)
	})
	t.Run("school years of another scope do not count as overlapping", func(t *testing.T) {
		c := create
		o := other
		o.SchoolID = "s1"
		c.Facts.Others = []setup.IndexedSchoolYear{o}
		c.VT = term(domain.VT, "2027-01-07", "2027-08-20")
		domaintest.Given(t, setup.SchoolYearDecider).When(c).
			Then(setup.SchoolYearCreated{SchoolYearID: "2026-2027", Terms: []setup.Term{ht26, c.VT}})
	})
	t.Run("a school's school year needs the school to exist", func(t *testing.T) {
		c := create
		c.SchoolID = "s1"
		domaintest.Given(t, setup.SchoolYearDecider).When(c).ThenError(domain.CodeNotFound)
		c.Facts.SchoolExists = true
		domaintest.Given(t, setup.SchoolYearDecider).When(c).
			Then(setup.SchoolYearCreated{SchoolYearID: "2026-2027", SchoolID: "s1", Terms: []setup.Term{ht26, vt27}})
	})
	t.Run("creating it again changes nothing, but other dates are refused", func(t *testing.T) {
		domaintest.Given(t, setup.SchoolYearDecider, created).When(create).Then()
		c := create
		c.HT = term(domain.HT, "2026-08-18", "2026-12-18")
		domaintest.Given(t, setup.SchoolYearDecider, created).When(c).ThenError(domain.CodeRuleViolated)
	})
	t.Run("a personal identity number as an id is refused", func(t *testing.T) {
		c := create
		c.SchoolYearID = "19121212-1212"
		domaintest.Given(t, setup.SchoolYearDecider).When(c).ThenError(domain.CodeInvalid)
	})
	t.Run("term dates may be changed", func(t *testing.T) {
		domaintest.Given(t, setup.SchoolYearDecider, created).
			When(setup.ChangeTermDates{Meta: admin, SchoolYearID: "2026-2027", Kind: domain.HT, Start: d("2026-08-18"), End: d("2026-12-19")}).
			Then(setup.TermDatesChanged{SchoolYearID: "2026-2027", Kind: domain.HT, Start: d("2026-08-18"), End: d("2026-12-19")})
		y := setup.SchoolYearDecider.Fold([]domain.Event{created, setup.TermDatesChanged{SchoolYearID: "2026-2027", Kind: domain.HT, Start: d("2026-08-18"), End: d("2026-12-19")}})
		if ht, _ := y.Term(domain.HT); ht.Start != d("2026-08-18") {
			t.Fatalf("HT = %+v", ht)
		}
	})
	t.Run("term dates may not be changed so they overlap", func(t *testing.T) {
		c := setup.ChangeTermDates{Meta: admin, SchoolYearID: "2026-2027", Kind: domain.VT, Start: d("2027-01-07"), End: d("2027-08-16"),
			Facts: setup.SchoolYearFacts{Others: []setup.IndexedSchoolYear{other}}}
		domaintest.Given(t, setup.SchoolYearDecider, created).When(c).ThenError(domain.CodeRuleViolated)
		c.Start, c.End = d("2026-12-01"), d("2027-06-11")
		domaintest.Given(t, setup.SchoolYearDecider, created).When(c).ThenError(domain.CodeInvalid)
	})
	t.Run("changing to the same dates changes nothing", func(t *testing.T) {
		domaintest.Given(t, setup.SchoolYearDecider, created).
			When(setup.ChangeTermDates{Meta: admin, SchoolYearID: "2026-2027", Kind: domain.VT, Start: vt27.Start, End: vt27.End}).Then()
	})
	t.Run("changing an unknown school year or term kind is refused", func(t *testing.T) {
		c := setup.ChangeTermDates{Meta: admin, SchoolYearID: "2026-2027", Kind: domain.VT, Start: vt27.Start, End: vt27.End}
		domaintest.Given(t, setup.SchoolYearDecider).When(c).ThenError(domain.CodeNotFound)
		c.Kind = "ST"
		domaintest.Given(t, setup.SchoolYearDecider, created).When(c).ThenError(domain.CodeInvalid)
		c.Kind, c.Meta = domain.VT, teacher
		domaintest.Given(t, setup.SchoolYearDecider, created).When(c).ThenError(domain.CodeForbidden)
	})
}

func TestTermEnded(t *testing.T) {
	loc, err := time.LoadLocation("Europe/Stockholm")
	if err != nil {
		t.Skip("no time-zone database")
	}
	// HT ends 2026-12-18; midnight in Stockholm is 23:00 UTC that day.
	t.Run("a term has not ended during its last day", func(t *testing.T) {
		if ht26.Ended(time.Date(2026, 12, 18, 22, 59, 0, 0, time.UTC), loc) {
			t.Fatal("ended before midnight in Stockholm")
		}
	})
	t.Run("a term has ended from midnight after its last day in the organiser's zone", func(t *testing.T) {
		if !ht26.Ended(time.Date(2026, 12, 18, 23, 0, 0, 0, time.UTC), loc) {
			t.Fatal("not ended at midnight in Stockholm")
		}
	})
	t.Run("a term contains its first and last day only", func(t *testing.T) {
		if !ht26.Contains(d("2026-08-17")) || !ht26.Contains(d("2026-12-18")) || ht26.Contains(d("2026-12-19")) || ht26.Contains(d("2026-08-16")) {
			t.Fatal("Contains is wrong at the edges")
		}
	})
}
