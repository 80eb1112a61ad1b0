package retention

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/iup-platform/iup/domain"
	"github.com/iup-platform/iup/domain/domaintest"
	"github.com/iup-platform/iup/domain/roster"
)

// keysSpy records destructions, and what the retention stream held at the
// time, to check that keys go before the event is recorded.
type keysSpy struct {
	log       *domaintest.MemLog
	destroyed []string
	recorded  []int // events in the retention stream at each destruction
	fail      error
}

func (k *keysSpy) DestroyAll(_ context.Context, tenant string, subjects []string, rule string, _ time.Time) error {
	if k.fail != nil {
		return k.fail
	}
	k.destroyed = append(k.destroyed, subjects...)
	k.recorded = append(k.recorded, len(k.log.Stream(StudentStream(tenant, "s1"))))
	return nil
}

func world(t *testing.T) (*domaintest.MemLog, *keysSpy) {
	t.Helper()
	log := domaintest.NewMemLog()
	sys := domain.Actor{Tenant: "t1", ID: "iupd", Role: domain.RoleSystem}
	log.Put(roster.StudentStream("t1", "s1"), now, sys,
		roster.StudentRegistered{StudentID: "s1", SchoolID: "sch-1", Grade: 9, DisplayName: "Elev Ett", EffectiveFrom: domain.MustDate("2020-08-17")},
		roster.StudentLeft{StudentID: "s1", EffectiveFrom: domain.MustDate("2027-06-15")})
	log.Put(ScheduleStream("t1"), now, sys, ScheduleSet{Rules: []Rule{{DocType: DocRisk, Months: 12}, {DocType: DocPlan, Keep: true}}})
	return log, &keysSpy{log: log}
}

func TestHandleCull(t *testing.T) {
	ctx := context.Background()
	t.Run("the keys of what is due are destroyed before the culling is recorded", func(t *testing.T) {
		log, keys := world(t)
		c := Cull{Meta: meta(domain.RoleSystem), StudentID: "s1", Facts: CullFacts{Today: domain.MustDate("2028-06-15")}}
		res, err := Handle(ctx, log, keys, c)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(keys.destroyed, []string{"s1/risk"}) || keys.recorded[0] != 0 {
			t.Fatalf("destroyed %v with %v events recorded, want s1/risk before any", keys.destroyed, keys.recorded)
		}
		got := res.Events[0].(StudentCulled)
		if !slices.Equal(got.DocTypes, []DocType{DocRisk}) || got.Rules[0] != "risk: 12 months after leaving" {
			t.Fatalf("recorded %+v", got)
		}
		// The next day nothing new is due: no destruction, no event.
		keys.destroyed = nil
		c.Facts.Today = domain.MustDate("2028-06-16")
		if res, err := Handle(ctx, log, keys, c); err != nil || len(res.Events) != 0 || keys.destroyed != nil {
			t.Fatalf("second run: %v %v destroyed %v", res.Events, err, keys.destroyed)
		}
	})
	t.Run("a failed destruction records nothing", func(t *testing.T) {
		log, keys := world(t)
		keys.fail = errors.New("disk full")
		c := Cull{Meta: meta(domain.RoleSystem), StudentID: "s1", Facts: CullFacts{Today: domain.MustDate("2028-06-15")}}
		if _, err := Handle(ctx, log, keys, c); err == nil {
			t.Fatal("want the destruction's error")
		}
		if n := len(log.Stream(StudentStream("t1", "s1"))); n != 0 {
			t.Fatalf("%d events recorded after a failed destruction", n)
		}
	})
	t.Run("a refused erasure destroys nothing", func(t *testing.T) {
		log, keys := world(t)
		e := Erase{Meta: meta(domain.RoleMentor), StudentID: "s1", Reason: "x", Today: domain.MustDate("2028-01-01")}
		if _, err := Handle(ctx, log, keys, e); !domain.IsCode(err, domain.CodeForbidden) || keys.destroyed != nil {
			t.Fatalf("err %v, destroyed %v", err, keys.destroyed)
		}
	})
	t.Run("an erasure destroys every key of the student", func(t *testing.T) {
		log, keys := world(t)
		e := Erase{Meta: meta(domain.RoleAdmin), StudentID: "s1", Reason: "GDPR art. 17", Today: domain.MustDate("2028-01-01")}
		if _, err := Handle(ctx, log, keys, e); err != nil {
			t.Fatal(err)
		}
		want := []string{"s1/plan", "s1/assessment", "s1/conference", "s1/risk", "s1/access-log", "s1"}
		if !slices.Equal(keys.destroyed, want) {
			t.Fatalf("destroyed %v, want %v", keys.destroyed, want)
		}
	})
	t.Run("an unknown student is not found", func(t *testing.T) {
		log, keys := world(t)
		c := Cull{Meta: meta(domain.RoleSystem), StudentID: "s9", Facts: CullFacts{Today: domain.MustDate("2040-01-01")}}
		if _, err := Handle(ctx, log, keys, c); !domain.IsCode(err, domain.CodeNotFound) {
			t.Fatalf("want not found, got %v", err)
		}
	})
}
