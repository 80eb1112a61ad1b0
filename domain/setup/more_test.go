package setup_test

import (
	"context"
	"reflect"
	"strings"
	"testing"

	"github.com/iup-platform/iup/domain"
	"github.com/iup-platform/iup/domain/domaintest"
	"github.com/iup-platform/iup/domain/setup"
)

func TestNoPersonalContent(t *testing.T) {
	t.Run("setup events carry no personal content and name no data subject", func(t *testing.T) {
		for _, name := range domain.Events.Types() {
			if !strings.HasPrefix(name, "setup.") {
				continue
			}
			typ, _ := domain.Events.GoType(name)
			for i := range typ.NumField() {
				if typ.Field(i).Tag.Get("personal") != "" {
					t.Errorf("%s.%s is tagged personal; setup holds none", name, typ.Field(i).Name)
				}
			}
			if _, ok := reflect.New(typ).Elem().Interface().(domain.DataSubject); ok {
				t.Errorf("%s names a data subject", name)
			}
		}
	})
}

func TestConcurrentSchoolYears(t *testing.T) {
	t.Run("of two overlapping school years written at once, the second is refused by the index", func(t *testing.T) {
		log := domaintest.NewMemLog()
		racing := setup.SchoolYearIndexed{SchoolYearID: "other", Terms: []setup.Term{
			term(domain.HT, "2026-08-10", "2026-12-18"), term(domain.VT, "2027-01-07", "2027-06-11")}}
		log.BeforeAppend = func(stream string) {
			if stream == setup.OrganiserStream("t1") {
				log.Put(stream, now, admin.Actor, racing)
			}
		}
		_, err := setup.HandleSchoolYear(ctx, log, setup.CreateSchoolYear{Meta: admin, SchoolYearID: "2026-2027", HT: ht26, VT: vt27})
		if !domain.IsCode(err, domain.CodeRuleViolated) {
			t.Fatalf("want rule_violated, got %v", err)
		}
		if n := len(log.Stream(setup.SchoolYearStream("t1", "2026-2027"))); n != 0 {
			t.Fatalf("the refused school year has %d events", n)
		}
	})
}

func TestTemplateHandlerChange(t *testing.T) {
	lookup := func(_ context.Context, _, staffID, schoolID string, _ domain.Date) (bool, setup.FactRead, error) {
		return staffID == "p1" && schoolID == "s1", setup.FactRead{}, nil
	}
	log := domaintest.NewMemLog()
	if _, err := setup.HandleSchool(ctx, log, setup.RegisterSchool{Meta: admin, SchoolID: "s1", Name: "Ekskolan", SchoolForms: []string{setup.FormGrundskola}}); err != nil {
		t.Fatal(err)
	}
	create := setup.CreateTemplate{Meta: principal, TemplateID: "tp", Title: "IUP", SchoolID: "s1", Fields: goalsV1}
	if _, err := setup.HandleTemplate(ctx, log, lookup, create); err != nil {
		t.Fatal(err)
	}
	t.Run("a principal changes their school's template into version 2", func(t *testing.T) {
		res, err := setup.HandleTemplate(ctx, log, lookup, setup.ChangeTemplate{Meta: principal, TemplateID: "tp", Title: "IUP ht", SchoolID: "s1", Fields: goalsV1})
		if err != nil || len(res.Events) != 1 || res.Events[0].(setup.TemplateVersionCreated).Version != 2 {
			t.Fatalf("got %+v, %v", res, err)
		}
		tpl, v, _ := setup.LoadTemplate(ctx, log, "t1", "tp")
		if v != 1 || len(tpl.Versions) != 2 {
			t.Fatalf("template = %+v at %d", tpl, v)
		}
	})
	t.Run("a template that does not exist has no current version", func(t *testing.T) {
		tpl, _, _ := setup.LoadTemplate(ctx, log, "t1", "nope")
		if tpl.Exists || tpl.Current().Version != 0 {
			t.Fatalf("template = %+v", tpl)
		}
	})
}

func TestTextLimits(t *testing.T) {
	t.Run("names longer than the limit or not UTF-8 are refused", func(t *testing.T) {
		for _, name := range []string{strings.Repeat("å", setup.MaxName+1), "\xff\xfe"} {
			domaintest.Given(t, setup.SchoolDecider).When(setup.RegisterSchool{Meta: admin, SchoolID: "s1", Name: name, SchoolForms: []string{setup.FormGrundskola}}).
				ThenError(domain.CodeInvalid)
		}
		domaintest.Given(t, setup.SchoolDecider).When(setup.RegisterSchool{Meta: admin, SchoolID: "s1", Name: strings.Repeat("å", setup.MaxName), SchoolForms: []string{setup.FormGrundskola}}).
			Then(setup.SchoolRegistered{SchoolID: "s1", Name: strings.Repeat("å", setup.MaxName), SchoolForms: []string{setup.FormGrundskola}})
	})
}
