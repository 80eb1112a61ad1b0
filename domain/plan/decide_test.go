package plan_test

import (
	"testing"
	"time"

	"github.com/iup-platform/iup/domain"
	"github.com/iup-platform/iup/domain/domaintest"
	"github.com/iup-platform/iup/domain/plan"
)

var (
	ht     = domain.TermRef{SchoolYear: "2026-2027", Kind: domain.HT}
	now    = time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	day    = domain.MustDate("2026-11-02")
	target = plan.Target{StudentID: "s1", Term: ht}
	planID = plan.ID("s1", ht)
	fields = []plan.FieldDef{
		{Key: "school", Heading: "Skolan", VisibleTo: domain.Roles, EditableBy: []domain.Role{domain.RoleMentor, domain.RoleTeacher, domain.RoleAdmin}},
		{Key: "home", Heading: "Hemmet", VisibleTo: domain.Roles, EditableBy: []domain.Role{domain.RoleGuardian, domain.RoleStudent}},
		{Key: "health", Heading: "Hälsa", VisibleTo: []domain.Role{domain.RoleMentor}, EditableBy: []domain.Role{domain.RoleMentor}, Sensitive: true},
	}
	created = plan.Created{PlanID: planID, StudentID: "s1", Term: ht, TemplateID: "tpl", TemplateVersion: 2,
		Title: "IUP HT", Start: domain.MustDate("2026-08-17"), End: domain.MustDate("2026-12-20"), Fields: fields}
)

func meta(role domain.Role, id string) domain.Meta {
	return domain.Meta{Actor: domain.Actor{Tenant: "t1", ID: id, Role: role}, Now: now}
}

var (
	mentor    = meta(domain.RoleMentor, "m1")
	admin     = meta(domain.RoleAdmin, "a1")
	student   = meta(domain.RoleStudent, "s1")
	guardian  = meta(domain.RoleGuardian, "g1")
	teacher   = meta(domain.RoleTeacher, "t1")
	principal = meta(domain.RolePrincipal, "p1")
)

// facts for each relation.
var (
	mentorOf   = plan.Facts{Day: day, StudentExists: true, StudentSchoolID: "school1", Mentor: true}
	noRelation = plan.Facts{Day: day, StudentExists: true, StudentSchoolID: "school1"}
	custody    = plan.Facts{Day: day, StudentExists: true, GuardianActive: true}
	restricted = plan.Facts{Day: day, StudentExists: true, GuardianActive: true, GuardianRestricted: true}
	teaching   = plan.Facts{Day: day, StudentExists: true, Teaches: true, Enrolled: true}
	tplFacts   = plan.TemplateFacts{Exists: true, Version: 2, SchoolID: "school1", Fields: fields, TermExists: true}
)

func create(m domain.Meta, f plan.Facts) plan.Create {
	return plan.Create{Meta: m, Target: target, TemplateID: "tpl", Title: "IUP HT",
		Start: domain.MustDate("2026-08-17"), End: domain.MustDate("2026-12-20"), Template: tplFacts, Facts: f}
}

func TestCreate(t *testing.T) {
	t.Run("the mentor creates a plan from the template's current version", func(t *testing.T) {
		domaintest.Given(t, plan.Decider).When(create(mentor, mentorOf)).Then(created)
	})
	t.Run("an admin creates a plan on behalf of a mentor, and the event says so", func(t *testing.T) {
		m := admin
		m.Actor.OnBehalfOf = "m1"
		want := created
		want.OnBehalfOf = "m1"
		domaintest.Given(t, plan.Decider).When(create(m, noRelation)).Then(want)
	})
	t.Run("creating an existing plan changes nothing, even from a newer template version", func(t *testing.T) {
		c := create(mentor, mentorOf)
		c.Template.Version = 3
		domaintest.Given(t, plan.Decider, created).When(c).Then()
	})
	t.Run("a mentor of another student is refused", func(t *testing.T) {
		domaintest.Given(t, plan.Decider).When(create(mentor, noRelation)).ThenError(domain.CodeForbidden)
	})
	t.Run("a teacher may not create plans", func(t *testing.T) {
		domaintest.Given(t, plan.Decider).When(create(teacher, teaching)).ThenError(domain.CodeForbidden)
	})
	t.Run("end before start is refused", func(t *testing.T) {
		c := create(mentor, mentorOf)
		c.End = domain.MustDate("2026-08-01")
		domaintest.Given(t, plan.Decider).When(c).ThenError(domain.CodeInvalid)
	})
	t.Run("start and end on the same day are accepted", func(t *testing.T) {
		c := create(mentor, mentorOf)
		c.End = c.Start
		want := created
		want.End = want.Start
		domaintest.Given(t, plan.Decider).When(c).Then(want)
	})
	t.Run("missing title, dates, ids and bad terms are refused", func(t *testing.T) {
		for name, change := range map[string]func(*plan.Create){
			"title":       func(c *plan.Create) { c.Title = "" },
			"long title":  func(c *plan.Create) { c.Title = string(make([]rune, plan.MaxTitle+1)) },
			"start":       func(c *plan.Create) { c.Start = domain.Date{} },
			"end":         func(c *plan.Create) { c.End = domain.Date{} },
			"template id": func(c *plan.Create) { c.TemplateID = "a b" },
			"student id":  func(c *plan.Create) { c.StudentID = "19890101-1234" },
			"term":        func(c *plan.Create) { c.Term.Kind = "XT" },
		} {
			c := create(mentor, mentorOf)
			change(&c)
			t.Run(name, func(t *testing.T) { domaintest.Given(t, plan.Decider).When(c).ThenError(domain.CodeInvalid) })
		}
	})
	t.Run("an unknown student, template or term is not found", func(t *testing.T) {
		for name, change := range map[string]func(*plan.Create){
			"student":  func(c *plan.Create) { c.Facts.StudentExists = false },
			"template": func(c *plan.Create) { c.Template.Exists = false },
			"term":     func(c *plan.Create) { c.Template.TermExists = false },
		} {
			c := create(mentor, mentorOf)
			change(&c)
			t.Run(name, func(t *testing.T) { domaintest.Given(t, plan.Decider).When(c).ThenError(domain.CodeNotFound) })
		}
	})
	t.Run("a template of another school is refused", func(t *testing.T) {
		c := create(mentor, mentorOf)
		c.Template.SchoolID = "school2"
		domaintest.Given(t, plan.Decider).When(c).ThenError(domain.CodeRuleViolated)
	})
	t.Run("an organiser-wide template fits every school", func(t *testing.T) {
		c := create(mentor, mentorOf)
		c.Template.SchoolID = ""
		domaintest.Given(t, plan.Decider).When(c).Then(created)
	})
}

func setField(m domain.Meta, f plan.Facts, key, text string) plan.SetField {
	return plan.SetField{Meta: m, Target: target, Key: key, Text: text, Facts: f}
}

func fieldSet(key, text string) plan.FieldSet {
	return plan.FieldSet{PlanID: planID, StudentID: "s1", Key: key, Text: text}
}

func TestSetField(t *testing.T) {
	t.Run("the mentor writes a field the template lets mentors edit", func(t *testing.T) {
		domaintest.Given(t, plan.Decider, created).When(setField(mentor, mentorOf, "school", "Läsa mer")).Then(fieldSet("school", "Läsa mer"))
	})
	t.Run("the same text again decides nothing", func(t *testing.T) {
		domaintest.Given(t, plan.Decider, created, fieldSet("school", "Läsa mer")).When(setField(mentor, mentorOf, "school", "Läsa mer")).Then()
	})
	t.Run("the student writes their own plan", func(t *testing.T) {
		domaintest.Given(t, plan.Decider, created).When(setField(student, noRelation, "home", "Läxor")).Then(fieldSet("home", "Läxor"))
	})
	t.Run("a student may not write another student's plan", func(t *testing.T) {
		s := meta(domain.RoleStudent, "s2")
		domaintest.Given(t, plan.Decider, created).When(setField(s, noRelation, "home", "x")).ThenError(domain.CodeForbidden)
	})
	t.Run("a guardian with custody writes the home field", func(t *testing.T) {
		domaintest.Given(t, plan.Decider, created).When(setField(guardian, custody, "home", "Vi läser")).Then(fieldSet("home", "Vi läser"))
	})
	t.Run("a restricted guardian is refused what the other guardian may do", func(t *testing.T) {
		domaintest.Given(t, plan.Decider, created).When(setField(guardian, restricted, "home", "Vi läser")).ThenError(domain.CodeForbidden)
	})
	t.Run("a guardian of another child is refused", func(t *testing.T) {
		domaintest.Given(t, plan.Decider, created).When(setField(guardian, noRelation, "home", "x")).ThenError(domain.CodeForbidden)
	})
	t.Run("a field the template does not let the role edit is refused", func(t *testing.T) {
		domaintest.Given(t, plan.Decider, created).When(setField(guardian, custody, "school", "x")).ThenError(domain.CodeForbidden)
		domaintest.Given(t, plan.Decider, created).When(setField(student, noRelation, "health", "x")).ThenError(domain.CodeForbidden)
	})
	t.Run("a field the template version does not have is not found", func(t *testing.T) {
		domaintest.Given(t, plan.Decider, created).When(setField(mentor, mentorOf, "other", "x")).ThenError(domain.CodeNotFound)
	})
	t.Run("a teacher teaching the student in the named course writes, and the course is recorded", func(t *testing.T) {
		c := setField(teacher, teaching, "school", "Öva tabeller")
		c.CourseID = "ma-7b"
		want := fieldSet("school", "Öva tabeller")
		want.CourseID = "ma-7b"
		domaintest.Given(t, plan.Decider, created).When(c).Then(want)
	})
	t.Run("a teacher must name the course", func(t *testing.T) {
		domaintest.Given(t, plan.Decider, created).When(setField(teacher, teaching, "school", "x")).ThenError(domain.CodeInvalid)
	})
	t.Run("a teacher not teaching the student, or of a course the student is not in, is refused", func(t *testing.T) {
		for _, f := range []plan.Facts{{StudentExists: true, Teaches: true}, {StudentExists: true, Enrolled: true}} {
			c := setField(teacher, f, "school", "x")
			c.CourseID = "ma-7b"
			domaintest.Given(t, plan.Decider, created).When(c).ThenError(domain.CodeForbidden)
		}
	})
	t.Run("a mentor of another student is refused", func(t *testing.T) {
		domaintest.Given(t, plan.Decider, created).When(setField(mentor, noRelation, "school", "x")).ThenError(domain.CodeForbidden)
	})
	t.Run("a principal may not write plans", func(t *testing.T) {
		domaintest.Given(t, plan.Decider, created).When(setField(principal, noRelation, "school", "x")).ThenError(domain.CodeForbidden)
	})
	t.Run("a sensitive field's event is marked sensitive", func(t *testing.T) {
		want := fieldSet("health", "Astma")
		want.Sensitive = true
		domaintest.Given(t, plan.Decider, created).When(setField(mentor, mentorOf, "health", "Astma")).Then(want)
	})
	t.Run("a field of a plan not yet made is not found", func(t *testing.T) {
		domaintest.Given(t, plan.Decider).When(setField(mentor, mentorOf, "school", "x")).ThenError(domain.CodeNotFound)
	})
	t.Run("text over 20,000 characters is refused, and 20,000 accepted", func(t *testing.T) {
		long := make([]rune, plan.MaxFieldText)
		for i := range long {
			long[i] = 'å'
		}
		domaintest.Given(t, plan.Decider, created).When(setField(mentor, mentorOf, "school", string(long))).Then(fieldSet("school", string(long)))
		domaintest.Given(t, plan.Decider, created).When(setField(mentor, mentorOf, "school", string(long)+"a")).ThenError(domain.CodeInvalid)
	})
	t.Run("invalid UTF-8 and a bad key are refused", func(t *testing.T) {
		domaintest.Given(t, plan.Decider, created).When(setField(mentor, mentorOf, "school", "\xff")).ThenError(domain.CodeInvalid)
		domaintest.Given(t, plan.Decider, created).When(setField(mentor, mentorOf, "a b", "x")).ThenError(domain.CodeInvalid)
	})
	t.Run("a reason on a plan that is not archived is refused", func(t *testing.T) {
		c := setField(mentor, mentorOf, "school", "x")
		c.Reason = "fel"
		domaintest.Given(t, plan.Decider, created).When(c).ThenError(domain.CodeInvalid)
	})
}
