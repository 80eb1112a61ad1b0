package setup_test

import (
	"context"
	"os"
	"slices"
	"testing"

	"github.com/iup-platform/iup/domain"
	"github.com/iup-platform/iup/domain/domaintest"
	"github.com/iup-platform/iup/domain/setup"
)

var ctx = context.Background()

func TestHandleSchoolYear(t *testing.T) {
	create := setup.CreateSchoolYear{Meta: admin, SchoolYearID: "2026-2027", HT: ht26, VT: vt27}

	t.Run("creating a school year writes the index and the school year", func(t *testing.T) {
		log := domaintest.NewMemLog()
		res, err := setup.HandleSchoolYear(ctx, log, create)
		if err != nil || len(res.Events) != 1 || res.Version != 0 {
			t.Fatalf("got %+v, %v", res, err)
		}
		o, _, _ := setup.LoadOrganiser(ctx, log, "t1")
		if got := o.SchoolYears["2026-2027"]; !slices.Equal(got.Terms, []setup.Term{ht26, vt27}) {
			t.Fatalf("index = %+v", o.SchoolYears)
		}
		y, v, err := setup.LoadSchoolYear(ctx, log, "t1", "2026-2027")
		if err != nil || !y.Exists || v != 0 {
			t.Fatalf("school year = %+v at %d, %v", y, v, err)
		}
		again, err := setup.HandleSchoolYear(ctx, log, create)
		if err != nil || len(again.Events) != 0 {
			t.Fatalf("repeat = %+v, %v", again, err)
		}
	})
	t.Run("an overlapping school year is refused and nothing is written", func(t *testing.T) {
		log := domaintest.NewMemLog()
		if _, err := setup.HandleSchoolYear(ctx, log, create); err != nil {
			t.Fatal(err)
		}
		next := setup.CreateSchoolYear{Meta: admin, SchoolYearID: "2027-2028",
			HT: term(domain.HT, "2027-06-01", "2027-12-17"), VT: term(domain.VT, "2028-01-10", "2028-06-09")}
		_, err := setup.HandleSchoolYear(ctx, log, next)
		if !domain.IsCode(err, domain.CodeRuleViolated) {
			t.Fatalf("want rule_violated, got %v", err)
		}
		if n := len(log.Stream(setup.SchoolYearStream("t1", "2027-2028"))); n != 0 {
			t.Fatalf("the refused school year has %d events", n)
		}
		if n := len(log.Stream(setup.OrganiserStream("t1"))); n != 1 {
			t.Fatalf("the index has %d events, want 1", n)
		}
	})
	t.Run("moving a term's dates updates the index too", func(t *testing.T) {
		log := domaintest.NewMemLog()
		if _, err := setup.HandleSchoolYear(ctx, log, create); err != nil {
			t.Fatal(err)
		}
		move := setup.ChangeTermDates{Meta: admin, SchoolYearID: "2026-2027", Kind: domain.VT, Start: d("2027-01-08"), End: d("2027-06-10")}
		if _, err := setup.HandleSchoolYear(ctx, log, move); err != nil {
			t.Fatal(err)
		}
		o, _, _ := setup.LoadOrganiser(ctx, log, "t1")
		if got := o.SchoolYears["2026-2027"].Terms[1]; got.Start != d("2027-01-08") {
			t.Fatalf("index VT = %+v", got)
		}
	})
	t.Run("a school's school year is checked against that school", func(t *testing.T) {
		log := domaintest.NewMemLog()
		c := create
		c.SchoolYearID, c.SchoolID = "s1-2026", "s1"
		if _, err := setup.HandleSchoolYear(ctx, log, c); !domain.IsCode(err, domain.CodeNotFound) {
			t.Fatalf("want not_found without the school, got %v", err)
		}
		if _, err := setup.HandleSchool(ctx, log, setup.RegisterSchool{Meta: admin, SchoolID: "s1", Name: "Ekskolan", SchoolForms: []string{setup.FormGrundskola}}); err != nil {
			t.Fatal(err)
		}
		if _, err := setup.HandleSchoolYear(ctx, log, c); err != nil {
			t.Fatal(err)
		}
		if _, err := setup.HandleSchoolYear(ctx, log, create); err != nil {
			t.Fatalf("an organiser-wide year may overlap a school's own: %v", err)
		}
	})
	t.Run("changing an unknown school year writes nothing", func(t *testing.T) {
		log := domaintest.NewMemLog()
		_, err := setup.HandleSchoolYear(ctx, log, setup.ChangeTermDates{Meta: admin, SchoolYearID: "x", Kind: domain.HT, Start: ht26.Start, End: ht26.End})
		if !domain.IsCode(err, domain.CodeNotFound) || len(log.Stream(setup.OrganiserStream("t1"))) != 0 {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("a bad tenant or id is refused before anything is read", func(t *testing.T) {
		log := domaintest.NewMemLog()
		c := create
		c.Actor.Tenant = ""
		if _, err := setup.HandleSchoolYear(ctx, log, c); !domain.IsCode(err, domain.CodeInvalid) {
			t.Fatalf("got %v", err)
		}
		c = create
		c.SchoolYearID = "a.b"
		if _, err := setup.HandleSchoolYear(ctx, log, c); !domain.IsCode(err, domain.CodeInvalid) {
			t.Fatalf("got %v", err)
		}
	})
}

func TestHandleOthers(t *testing.T) {
	t.Run("organiser settings, scales and schools are written to their streams", func(t *testing.T) {
		log := domaintest.NewMemLog()
		for _, err := range []error{
			second(setup.HandleOrganiser(ctx, log, setup.SetTimeZone{Meta: admin, TimeZone: "Europe/Helsinki"})),
			second(setup.HandleOrganiser(ctx, log, setup.DefineSubject{Meta: admin, Code: "SV", Name: "Svenska"})),
			second(setup.HandleScale(ctx, log, setup.CreateScale{Meta: admin, ScaleID: "sc2", Name: "Två", Steps: steps("a", "b")})),
			second(setup.HandleSchool(ctx, log, setup.RegisterSchool{Meta: admin, SchoolID: "s1", Name: "Ekskolan", SchoolForms: []string{setup.FormGrundskola}})),
		} {
			if err != nil {
				t.Fatal(err)
			}
		}
		o, v, _ := setup.LoadOrganiser(ctx, log, "t1")
		if o.TimeZone != "Europe/Helsinki" || !o.HasSubject("SV") || v != 1 {
			t.Fatalf("organiser = %+v at %d", o, v)
		}
		if sc, _, _ := setup.LoadScale(ctx, log, "t1", "sc2"); !sc.Exists || len(sc.Steps) != 2 {
			t.Fatalf("scale = %+v", sc)
		}
		if s, _, _ := setup.LoadSchool(ctx, log, "t1", "s1"); !s.Exists {
			t.Fatalf("school = %+v", s)
		}
		day, read, err := setup.Today(ctx, log, "t1", now)
		if err != nil || day != d("2026-09-01") || read.Version != 1 || read.Stream != setup.OrganiserStream("t1") {
			t.Fatalf("today = %v %+v %v", day, read, err)
		}
	})
	t.Run("a bad tenant is refused", func(t *testing.T) {
		log := domaintest.NewMemLog()
		m := admin
		m.Actor.Tenant = "a.b"
		for _, err := range []error{
			second(setup.HandleOrganiser(ctx, log, setup.SetTimeZone{Meta: m, TimeZone: "UTC"})),
			second(setup.HandleScale(ctx, log, setup.CreateScale{Meta: m, ScaleID: "x"})),
			second(setup.HandleSchool(ctx, log, setup.RegisterSchool{Meta: m, SchoolID: "x"})),
			second(setup.HandleTemplate(ctx, log, nil, setup.CreateTemplate{Meta: m, TemplateID: "x"})),
		} {
			if !domain.IsCode(err, domain.CodeInvalid) {
				t.Fatalf("got %v", err)
			}
		}
	})
}

func second[T any](_ T, err error) error { return err }

func TestHandleTemplate(t *testing.T) {
	lookup := func(_ context.Context, tenant, staffID, schoolID string, on domain.Date) (bool, setup.FactRead, error) {
		return staffID == "p1" && schoolID == "s1" && on == d("2026-09-01"), setup.FactRead{Stream: "staff", Version: 3}, nil
	}
	log := domaintest.NewMemLog()
	if _, err := setup.HandleSchool(ctx, log, setup.RegisterSchool{Meta: admin, SchoolID: "s1", Name: "Ekskolan", SchoolForms: []string{setup.FormGrundskola}}); err != nil {
		t.Fatal(err)
	}
	if _, err := setup.HandleSchool(ctx, log, setup.RegisterSchool{Meta: admin, SchoolID: "s2", Name: "Askskolan", SchoolForms: []string{setup.FormGrundskola}}); err != nil {
		t.Fatal(err)
	}
	t.Run("a principal makes a template for the school they lead, as of today", func(t *testing.T) {
		res, err := setup.HandleTemplate(ctx, log, lookup, setup.CreateTemplate{Meta: principal, TemplateID: "t-s1", Title: "IUP", SchoolID: "s1", Fields: goalsV1})
		if err != nil || len(res.Events) != 1 {
			t.Fatalf("got %+v, %v", res, err)
		}
		tpl, _, _ := setup.LoadTemplate(ctx, log, "t1", "t-s1")
		if tpl.Current().SchoolID != "s1" {
			t.Fatalf("template = %+v", tpl)
		}
	})
	t.Run("a principal cannot make one for another school", func(t *testing.T) {
		_, err := setup.HandleTemplate(ctx, log, lookup, setup.CreateTemplate{Meta: principal, TemplateID: "t-s2", Title: "IUP", SchoolID: "s2", Fields: goalsV1})
		if !domain.IsCode(err, domain.CodeForbidden) {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("an admin makes organiser-wide templates without a lookup", func(t *testing.T) {
		if _, err := setup.HandleTemplate(ctx, log, nil, setup.CreateTemplate{Meta: admin, TemplateID: "t-all", Title: "IUP", Fields: goalsV1}); err != nil {
			t.Fatal(err)
		}
	})
}

func TestVersion1Fixture(t *testing.T) {
	for _, tc := range []struct {
		file, typ string
	}{{"scale-created.v1.json", "setup.scale-created"}, {"template-version-created.v1.json", "setup.template-version-created"}} {
		t.Run(tc.typ+" version 1 decodes into the current type", func(t *testing.T) {
			data, err := os.ReadFile("testdata/" + tc.file)
			if err != nil {
				t.Fatal(err)
			}
			ev, err := domain.Events.Decode(tc.typ, 1, data)
			if err != nil {
				t.Fatal(err)
			}
			switch e := ev.(type) {
			case setup.ScaleCreated:
				if e.ScaleID != "sc3" || len(e.Steps) != 3 || e.Steps[2] != (setup.Step{Key: "3", Label: "Mer än godtagbart"}) {
					t.Fatalf("decoded %+v", e)
				}
			case setup.TemplateVersionCreated:
				if e.Version != 1 || len(e.Fields) != 1 || !e.Fields[0].Sensitive || !e.Fields[0].EditableByRole(domain.RoleMentor) {
					t.Fatalf("decoded %+v", e)
				}
			default:
				t.Fatalf("decoded %T", ev)
			}
		})
	}
}
