package retention

import (
	"testing"
	"time"

	"github.com/iup-platform/iup/domain"
	"github.com/iup-platform/iup/domain/domaintest"
)

var now = time.Date(2029, 9, 1, 8, 0, 0, 0, time.UTC)

func meta(role domain.Role) domain.Meta {
	return domain.Meta{Actor: domain.Actor{Tenant: "t1", ID: "adm-1", Role: role}, Now: now}
}

var schedule = Schedule{Rules: map[DocType]Rule{
	DocPlan:       {DocType: DocPlan, Months: 24},
	DocAssessment: {DocType: DocAssessment, Months: 24},
	DocConference: {DocType: DocConference, Months: 36},
	DocRisk:       {DocType: DocRisk, Months: 12},
	DocAccessLog:  {DocType: DocAccessLog, Months: 12},
}}

func cull(left, today string) Cull {
	f := CullFacts{Schedule: schedule, Today: domain.MustDate(today)}
	if left != "" {
		f.LeftOn = domain.MustDate(left)
	}
	return Cull{Meta: meta(domain.RoleSystem), StudentID: "s1", Facts: f}
}

func TestCulling(t *testing.T) {
	t.Run("nothing is due while the student is still at the organiser", func(t *testing.T) {
		domaintest.Given(t, StudentDecider).When(cull("", "2040-01-01")).Then()
	})
	t.Run("nothing is due before the period ends", func(t *testing.T) {
		domaintest.Given(t, StudentDecider).When(cull("2027-06-15", "2028-06-14")).Then()
	})
	t.Run("a document type is due on the day its period ends", func(t *testing.T) {
		domaintest.Given(t, StudentDecider).When(cull("2027-06-15", "2028-06-15")).Then(StudentCulled{StudentID: "s1",
			DocTypes: []DocType{DocRisk, DocAccessLog},
			Rules:    []string{"risk: 12 months after leaving", "access-log: 12 months after leaving"},
			On:       domain.MustDate("2028-06-15")})
	})
	t.Run("the identity goes with the last document", func(t *testing.T) {
		given := []domain.Event{
			StudentCulled{StudentID: "s1", DocTypes: []DocType{DocRisk, DocAccessLog}, On: domain.MustDate("2028-06-15")},
			StudentCulled{StudentID: "s1", DocTypes: []DocType{DocPlan, DocAssessment}, On: domain.MustDate("2029-06-15")},
		}
		domaintest.Given(t, StudentDecider, given...).When(cull("2027-06-15", "2030-06-16")).Then(StudentCulled{StudentID: "s1",
			DocTypes: []DocType{DocConference, Identity},
			Rules:    []string{"conference: 36 months after leaving", "identity: nothing else is kept"},
			On:       domain.MustDate("2030-06-16")})
	})
	t.Run("culling twice does nothing new", func(t *testing.T) {
		given := StudentCulled{StudentID: "s1", DocTypes: []DocType{DocRisk, DocAccessLog}, On: domain.MustDate("2028-06-15")}
		domaintest.Given(t, StudentDecider, given).When(cull("2027-06-15", "2028-07-01")).Then()
	})
	t.Run("a held student is not culled", func(t *testing.T) {
		held := HoldPlaced{StudentID: "s1", Case: "2029/17", Reason: "complaint under review"}
		domaintest.Given(t, StudentDecider, held).When(cull("2027-06-15", "2040-01-01")).Then()
	})
	t.Run("culling resumes once every hold is lifted", func(t *testing.T) {
		given := []domain.Event{
			HoldPlaced{StudentID: "s1", Case: "A", Reason: "r"},
			HoldPlaced{StudentID: "s1", Case: "B", Reason: "r"},
			HoldLifted{StudentID: "s1", Case: "A", Reason: "closed"},
		}
		domaintest.Given(t, StudentDecider, given...).When(cull("2027-06-15", "2040-01-01")).Then()
		given = append(given, HoldLifted{StudentID: "s1", Case: "B", Reason: "closed"})
		ev, err := domaintest.Given(t, StudentDecider, given...).When(cull("2027-06-15", "2040-01-01")).Events()
		if err != nil || len(ev) != 1 || len(ev[0].(StudentCulled).DocTypes) != 6 {
			t.Fatalf("want every type and the identity culled, got %v, %v", ev, err)
		}
	})
	t.Run("a keep rule preserves the documents and the identity", func(t *testing.T) {
		c := cull("2020-01-01", "2040-01-01")
		c.Facts.Schedule = Schedule{Rules: map[DocType]Rule{
			DocPlan: {DocType: DocPlan, Months: 24}, DocAssessment: {DocType: DocAssessment, Months: 24},
			DocConference: {DocType: DocConference, Keep: true}, DocRisk: {DocType: DocRisk, Months: 0},
			DocAccessLog: {DocType: DocAccessLog, Months: 12},
		}}
		domaintest.Given(t, StudentDecider).When(c).Then(StudentCulled{StudentID: "s1",
			DocTypes: []DocType{DocPlan, DocAssessment, DocRisk, DocAccessLog},
			Rules: []string{"plan: 24 months after leaving", "assessment: 24 months after leaving",
				"risk: 0 months after leaving", "access-log: 12 months after leaving"},
			On: domain.MustDate("2040-01-01")})
	})
	t.Run("a document type without a rule is never culled by the schedule", func(t *testing.T) {
		c := cull("2020-01-01", "2040-01-01")
		c.Facts.Schedule = Schedule{Rules: map[DocType]Rule{DocRisk: {DocType: DocRisk, Months: 1}}}
		domaintest.Given(t, StudentDecider).When(c).Then(StudentCulled{StudentID: "s1", DocTypes: []DocType{DocRisk},
			Rules: []string{"risk: 1 months after leaving"}, On: domain.MustDate("2040-01-01")})
	})
	t.Run("only the service or an admin runs culling", func(t *testing.T) {
		for _, r := range []domain.Role{domain.RoleMentor, domain.RolePrincipal, domain.RoleTeacher, domain.RoleGuardian} {
			c := cull("2020-01-01", "2040-01-01")
			c.Meta = meta(r)
			domaintest.Given(t, StudentDecider).When(c).ThenError(domain.CodeForbidden)
		}
	})
}

func TestPeriods(t *testing.T) {
	for _, tc := range []struct {
		left   string
		months int
		due    string
	}{
		{"2027-06-15", 24, "2029-06-15"},
		{"2027-08-31", 6, "2028-02-29"}, // clamped to the month's end (leap year)
		{"2027-01-31", 1, "2027-02-28"},
		{"2027-12-01", 1, "2028-01-01"},
		{"2027-06-15", 0, "2027-06-15"},
	} {
		got, ok := Rule{DocType: DocPlan, Months: tc.months}.DueOn(domain.MustDate(tc.left))
		if !ok || got != domain.MustDate(tc.due) {
			t.Errorf("%s + %d months = %s, want %s", tc.left, tc.months, got, tc.due)
		}
	}
	if _, ok := (Rule{DocType: DocPlan, Keep: true}).DueOn(domain.MustDate("2027-06-15")); ok {
		t.Error("a keep rule must never be due")
	}
}

func TestErasure(t *testing.T) {
	erase := Erase{Meta: meta(domain.RoleAdmin), StudentID: "s1", Reason: " GDPR art. 17, case 2029/4 ", Today: domain.MustDate("2029-09-01")}
	all := []DocType{DocPlan, DocAssessment, DocConference, DocRisk, DocAccessLog, Identity}

	t.Run("an admin erases every document and the identity at once, with the reason", func(t *testing.T) {
		domaintest.Given(t, StudentDecider).When(erase).Then(StudentCulled{StudentID: "s1", DocTypes: all,
			Rules: []string{"erasure"}, On: domain.MustDate("2029-09-01"), Erasure: true, Reason: "GDPR art. 17, case 2029/4"})
	})
	t.Run("erasure needs an admin", func(t *testing.T) {
		for _, r := range []domain.Role{domain.RoleSystem, domain.RoleMentor, domain.RolePrincipal, domain.RoleGuardian, domain.RoleStudent} {
			c := erase
			c.Meta = meta(r)
			domaintest.Given(t, StudentDecider).When(c).ThenError(domain.CodeForbidden)
		}
		c := erase
		c.Actor.OnBehalfOf = "men-1"
		domaintest.Given(t, StudentDecider).When(c).ThenError(domain.CodeForbidden)
	})
	t.Run("erasure needs a reason", func(t *testing.T) {
		c := erase
		c.Reason = "   "
		domaintest.Given(t, StudentDecider).When(c).ThenError(domain.CodeInvalid)
	})
	t.Run("erasure while a case holds the student is refused", func(t *testing.T) {
		domaintest.Given(t, StudentDecider, HoldPlaced{StudentID: "s1", Case: "A", Reason: "r"}).When(erase).ThenError(domain.CodeRuleViolated)
	})
	t.Run("erasure after a partial culling erases the rest", func(t *testing.T) {
		given := StudentCulled{StudentID: "s1", DocTypes: []DocType{DocRisk, DocAccessLog}}
		domaintest.Given(t, StudentDecider, given).When(erase).Then(StudentCulled{StudentID: "s1",
			DocTypes: []DocType{DocPlan, DocAssessment, DocConference, Identity}, Rules: []string{"erasure"},
			On: domain.MustDate("2029-09-01"), Erasure: true, Reason: "GDPR art. 17, case 2029/4"})
	})
	t.Run("erasing twice does nothing new", func(t *testing.T) {
		given := StudentCulled{StudentID: "s1", DocTypes: all, Erasure: true}
		domaintest.Given(t, StudentDecider, given).When(erase).Then()
	})
}

func TestHolds(t *testing.T) {
	place := PlaceHold{Meta: meta(domain.RoleAdmin), StudentID: "s1", Case: "2029/17", Reason: "appeal"}
	lift := LiftHold{Meta: meta(domain.RoleAdmin), StudentID: "s1", Case: "2029/17", Reason: "appeal decided"}
	t.Run("an admin places a hold with a case and a reason", func(t *testing.T) {
		domaintest.Given(t, StudentDecider).When(place).Then(HoldPlaced{StudentID: "s1", Case: "2029/17", Reason: "appeal"})
	})
	t.Run("a hold needs a case and a reason", func(t *testing.T) {
		c := place
		c.Reason = ""
		domaintest.Given(t, StudentDecider).When(c).ThenError(domain.CodeInvalid)
		c = place
		c.Case = ""
		domaintest.Given(t, StudentDecider).When(c).ThenError(domain.CodeInvalid)
	})
	t.Run("only an admin places or lifts a hold", func(t *testing.T) {
		c := place
		c.Meta = meta(domain.RoleMentor)
		domaintest.Given(t, StudentDecider).When(c).ThenError(domain.CodeForbidden)
		l := lift
		l.Meta = meta(domain.RolePrincipal)
		domaintest.Given(t, StudentDecider, HoldPlaced{StudentID: "s1", Case: "2029/17"}).When(l).ThenError(domain.CodeForbidden)
	})
	t.Run("placing the same hold twice does nothing new", func(t *testing.T) {
		domaintest.Given(t, StudentDecider, HoldPlaced{StudentID: "s1", Case: "2029/17"}).When(place).Then()
	})
	t.Run("an admin lifts an open hold with a reason", func(t *testing.T) {
		domaintest.Given(t, StudentDecider, HoldPlaced{StudentID: "s1", Case: "2029/17"}).When(lift).
			Then(HoldLifted{StudentID: "s1", Case: "2029/17", Reason: "appeal decided"})
	})
	t.Run("lifting a hold that is not open does nothing", func(t *testing.T) {
		domaintest.Given(t, StudentDecider).When(lift).Then()
	})
}

func TestSchedule(t *testing.T) {
	set := SetSchedule{Meta: meta(domain.RoleAdmin), Rules: []Rule{
		{DocType: DocRisk, Months: 12}, {DocType: DocPlan, Months: 24}, {DocType: DocConference, Keep: true}}}
	want := ScheduleSet{Rules: []Rule{{DocType: DocConference, Keep: true}, {DocType: DocPlan, Months: 24}, {DocType: DocRisk, Months: 12}}}
	t.Run("an admin sets the schedule, one rule per document type", func(t *testing.T) {
		domaintest.Given(t, ScheduleDecider).When(set).Then(want)
	})
	t.Run("setting the same schedule again does nothing new", func(t *testing.T) {
		domaintest.Given(t, ScheduleDecider, want).When(set).Then()
	})
	t.Run("only an admin sets the schedule", func(t *testing.T) {
		c := set
		c.Meta = meta(domain.RolePrincipal)
		domaintest.Given(t, ScheduleDecider).When(c).ThenError(domain.CodeForbidden)
	})
	t.Run("bad rules are refused", func(t *testing.T) {
		for _, rules := range [][]Rule{
			{{DocType: "grades", Months: 1}},
			{{DocType: DocPlan, Months: -1}},
			{{DocType: DocPlan, Months: MaxMonths + 1}},
			{{DocType: DocPlan, Keep: true, Months: 3}},
			{{DocType: DocPlan, Months: 3}, {DocType: DocPlan, Months: 4}},
		} {
			c := set
			c.Rules = rules
			domaintest.Given(t, ScheduleDecider).When(c).ThenError(domain.CodeInvalid)
		}
	})
}

func TestDocTypeOfEvents(t *testing.T) {
	for typ, want := range map[string]DocType{
		"plan.field-set": DocPlan, "assessment.entry-comment-set": DocAssessment, "conference.held": DocConference,
		"risk.signalled": DocRisk, "roster.student-registered": Identity, "roster.student-renamed": Identity,
	} {
		if got := DocTypeOf(typ); got != want {
			t.Errorf("%s: got %s, want %s", typ, got, want)
		}
	}
	if KeySubject("s1", Identity) != "s1" || KeySubject("s1", DocPlan) != "s1/plan" {
		t.Error("key subjects: the identity is the subject itself, a document type is subject/type")
	}
}
