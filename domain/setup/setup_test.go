package setup_test

import (
	"testing"
	"time"

	"github.com/iup-platform/iup/domain"
	"github.com/iup-platform/iup/domain/domaintest"
	"github.com/iup-platform/iup/domain/setup"
)

var now = time.Date(2026, 9, 1, 8, 0, 0, 0, time.UTC)

func meta(role domain.Role, id string) domain.Meta {
	return domain.Meta{Actor: domain.Actor{Tenant: "t1", ID: id, Role: role}, Now: now}
}

var (
	admin     = meta(domain.RoleAdmin, "adm1")
	principal = meta(domain.RolePrincipal, "p1")
	teacher   = meta(domain.RoleTeacher, "tch1")
)

func d(s string) domain.Date { return domain.MustDate(s) }

func term(k domain.TermKind, start, end string) setup.Term {
	return setup.Term{Kind: k, Start: d(start), End: d(end)}
}

var (
	ht26 = term(domain.HT, "2026-08-17", "2026-12-18")
	vt27 = term(domain.VT, "2027-01-07", "2027-06-11")
)

func TestOrganiser(t *testing.T) {
	t.Run("a non-admin cannot change setup", func(t *testing.T) {
		for _, m := range []domain.Meta{teacher, principal, meta(domain.RoleGuardian, "g1"), meta(domain.RoleStudent, "s1")} {
			domaintest.Given(t, setup.OrganiserDecider).When(setup.SetTimeZone{Meta: m, TimeZone: "Europe/Helsinki"}).ThenError(domain.CodeForbidden)
			domaintest.Given(t, setup.OrganiserDecider).When(setup.SetSupportVisibility{Meta: m, ShowSupportToHome: true}).ThenError(domain.CodeForbidden)
			domaintest.Given(t, setup.OrganiserDecider).When(setup.DefineSubject{Meta: m, Code: "SV", Name: "Svenska"}).ThenError(domain.CodeForbidden)
		}
	})
	t.Run("an admin sets the time zone, and setting it again changes nothing", func(t *testing.T) {
		domaintest.Given(t, setup.OrganiserDecider).When(setup.SetTimeZone{Meta: admin, TimeZone: "Europe/Helsinki"}).
			Then(setup.TimeZoneSet{TimeZone: "Europe/Helsinki"})
		domaintest.Given(t, setup.OrganiserDecider, setup.TimeZoneSet{TimeZone: "Europe/Helsinki"}).
			When(setup.SetTimeZone{Meta: admin, TimeZone: "Europe/Helsinki"}).Then()
	})
	t.Run("setting the default zone on a new organiser changes nothing", func(t *testing.T) {
		domaintest.Given(t, setup.OrganiserDecider).When(setup.SetTimeZone{Meta: admin, TimeZone: domain.DefaultTimeZone}).Then()
	})
	t.Run("an unknown or empty time zone is refused", func(t *testing.T) {
		domaintest.Given(t, setup.OrganiserDecider).When(setup.SetTimeZone{Meta: admin, TimeZone: "Mars/Olympus"}).ThenError(domain.CodeInvalid)
		domaintest.Given(t, setup.OrganiserDecider).When(setup.SetTimeZone{Meta: admin}).ThenError(domain.CodeInvalid)
	})
	t.Run("the location defaults to Europe/Stockholm", func(t *testing.T) {
		if got := (setup.Organiser{}).Location().String(); got != "Europe/Stockholm" {
			t.Fatalf("location = %s", got)
		}
		if got := (setup.Organiser{TimeZone: "Europe/Helsinki"}).Location().String(); got != "Europe/Helsinki" {
			t.Fatalf("location = %s", got)
		}
		if got := (setup.Organiser{TimeZone: "Nowhere/Gone"}).Location().String(); got != "Europe/Stockholm" {
			t.Fatalf("a zone that no longer loads falls back to the default, got %s", got)
		}
	})
	t.Run("support matters are hidden from home by default and can be shown", func(t *testing.T) {
		o := setup.OrganiserDecider.Fold(nil)
		if o.ShowSupportToHome {
			t.Fatal("support matters must be hidden by default")
		}
		domaintest.Given(t, setup.OrganiserDecider).When(setup.SetSupportVisibility{Meta: admin, ShowSupportToHome: true}).
			Then(setup.SupportVisibilitySet{ShowSupportToHome: true})
		domaintest.Given(t, setup.OrganiserDecider).When(setup.SetSupportVisibility{Meta: admin}).Then()
	})
	t.Run("subject codes are 1-12 uppercase letters, digits or inner spaces", func(t *testing.T) {
		for _, ok := range []string{"SV", "MA", "M2 SPA", "HKK", "ABCDEFGHIJKL"} {
			domaintest.Given(t, setup.OrganiserDecider).When(setup.DefineSubject{Meta: admin, Code: ok, Name: "Ämne"}).
				Then(setup.SubjectDefined{Code: ok, Name: "Ämne"})
		}
		for _, bad := range []string{"", "sv", "SV ", " SV", "ABCDEFGHIJKLM", "SV-A", "ÅK"} {
			domaintest.Given(t, setup.OrganiserDecider).When(setup.DefineSubject{Meta: admin, Code: bad, Name: "Ämne"}).ThenError(domain.CodeInvalid)
		}
		domaintest.Given(t, setup.OrganiserDecider).When(setup.DefineSubject{Meta: admin, Code: "SV", Name: "  "}).ThenError(domain.CodeInvalid)
	})
	t.Run("a subject renamed is redefined, and the same name changes nothing", func(t *testing.T) {
		given := setup.SubjectDefined{Code: "SV", Name: "Svenska"}
		domaintest.Given(t, setup.OrganiserDecider, given).When(setup.DefineSubject{Meta: admin, Code: "SV", Name: "Svenska"}).Then()
		domaintest.Given(t, setup.OrganiserDecider, given).When(setup.DefineSubject{Meta: admin, Code: "SV", Name: "Svenska språket"}).
			Then(setup.SubjectDefined{Code: "SV", Name: "Svenska språket"})
	})
	t.Run("a removed subject is gone, and removing it again changes nothing", func(t *testing.T) {
		given := []domain.Event{setup.SubjectDefined{Code: "SV", Name: "Svenska"}, setup.SubjectDefined{Code: "MA", Name: "Matematik"}}
		domaintest.Given(t, setup.OrganiserDecider, given...).When(setup.RemoveSubject{Meta: admin, Code: "SV"}).Then(setup.SubjectRemoved{Code: "SV"})
		o := setup.OrganiserDecider.Fold(append(given, setup.SubjectRemoved{Code: "SV"}))
		if o.HasSubject("SV") || !o.HasSubject("MA") || o.Subjects["MA"] != "Matematik" {
			t.Fatalf("subjects = %v", o.Subjects)
		}
		domaintest.Given(t, setup.OrganiserDecider).When(setup.RemoveSubject{Meta: admin, Code: "SV"}).Then()
	})
}

func TestSchoolYearIndex(t *testing.T) {
	indexed := setup.SchoolYearIndexed{SchoolYearID: "2026-2027", Terms: []setup.Term{ht26, vt27}}
	t.Run("the index records a school year's terms", func(t *testing.T) {
		domaintest.Given(t, setup.OrganiserDecider).
			When(setup.IndexSchoolYear{Meta: admin, SchoolYearID: "2026-2027", Terms: []setup.Term{vt27, ht26}}).Then(indexed)
	})
	t.Run("overlapping terms are refused by the index", func(t *testing.T) {
		domaintest.Given(t, setup.OrganiserDecider, indexed).
			When(setup.IndexSchoolYear{Meta: admin, SchoolYearID: "2027-2028", Terms: []setup.Term{
				term(domain.HT, "2027-06-01", "2027-12-20"), term(domain.VT, "2028-01-08", "2028-06-10")}}).
			ThenError(domain.CodeRuleViolated)
	})
	t.Run("school years of different scopes may overlap", func(t *testing.T) {
		domaintest.Given(t, setup.OrganiserDecider, indexed).
			When(setup.IndexSchoolYear{Meta: admin, SchoolYearID: "s1-2026", SchoolID: "s1", Terms: []setup.Term{ht26, vt27}}).
			Then(setup.SchoolYearIndexed{SchoolYearID: "s1-2026", SchoolID: "s1", Terms: []setup.Term{ht26, vt27}})
	})
	t.Run("indexing the same terms again changes nothing", func(t *testing.T) {
		domaintest.Given(t, setup.OrganiserDecider, indexed).
			When(setup.IndexSchoolYear{Meta: admin, SchoolYearID: "2026-2027", Terms: []setup.Term{ht26, vt27}}).Then()
	})
	t.Run("a school year's scope cannot change", func(t *testing.T) {
		domaintest.Given(t, setup.OrganiserDecider, indexed).
			When(setup.IndexSchoolYear{Meta: admin, SchoolYearID: "2026-2027", SchoolID: "s1", Terms: []setup.Term{ht26, vt27}}).
			ThenError(domain.CodeRuleViolated)
	})
	t.Run("the index needs exactly one HT and one VT", func(t *testing.T) {
		for _, terms := range [][]setup.Term{{ht26}, {ht26, ht26}, {ht26, vt27, vt27}, {ht26, {Kind: "ST", Start: d("2027-01-01"), End: d("2027-02-01")}}} {
			domaintest.Given(t, setup.OrganiserDecider).When(setup.IndexSchoolYear{Meta: admin, SchoolYearID: "y1", Terms: terms}).ThenError(domain.CodeInvalid)
		}
		domaintest.Given(t, setup.OrganiserDecider).When(setup.IndexSchoolYear{Meta: admin, SchoolYearID: "y1", Terms: []setup.Term{vt27, {Kind: domain.HT}}}).ThenError(domain.CodeInvalid)
	})
}
