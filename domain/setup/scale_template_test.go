package setup_test

import (
	"strings"
	"testing"

	"github.com/iup-platform/iup/domain"
	"github.com/iup-platform/iup/domain/domaintest"
	"github.com/iup-platform/iup/domain/setup"
)

func steps(keys ...string) []setup.Step {
	out := make([]setup.Step, len(keys))
	for i, k := range keys {
		out[i] = setup.Step{Key: k, Label: "Nivå " + k}
	}
	return out
}

func TestScale(t *testing.T) {
	three := setup.CreateScale{Meta: admin, ScaleID: "sc3", Name: "Tre steg", Steps: steps("1", "2", "3")}
	created := setup.ScaleCreated{ScaleID: "sc3", Name: "Tre steg", Steps: steps("1", "2", "3")}

	t.Run("a scale has 2, 3 or 6 steps", func(t *testing.T) {
		for _, keys := range [][]string{{"a", "b"}, {"a", "b", "c"}, {"a", "b", "c", "d", "e", "f"}} {
			domaintest.Given(t, setup.ScaleDecider).When(setup.CreateScale{Meta: admin, ScaleID: "s", Name: "S", Steps: steps(keys...)}).
				Then(setup.ScaleCreated{ScaleID: "s", Name: "S", Steps: steps(keys...)})
		}
	})
	t.Run("a scale with 4 steps is refused", func(t *testing.T) {
		domaintest.Given(t, setup.ScaleDecider).When(setup.CreateScale{Meta: admin, ScaleID: "s", Name: "S", Steps: steps("1", "2", "3", "4")}).
			ThenError(domain.CodeInvalid)
	})
	t.Run("a scale with 0, 1 or 5 steps is refused unless free text only", func(t *testing.T) {
		for _, keys := range [][]string{nil, {"a"}, {"a", "b", "c", "d", "e"}} {
			domaintest.Given(t, setup.ScaleDecider).When(setup.CreateScale{Meta: admin, ScaleID: "s", Name: "S", Steps: steps(keys...)}).
				ThenError(domain.CodeInvalid)
		}
	})
	t.Run("a free-text-only scale has no steps", func(t *testing.T) {
		domaintest.Given(t, setup.ScaleDecider).When(setup.CreateScale{Meta: admin, ScaleID: "fri", Name: "Ingen bedömning", FreeTextOnly: true}).
			Then(setup.ScaleCreated{ScaleID: "fri", Name: "Ingen bedömning", FreeTextOnly: true})
		domaintest.Given(t, setup.ScaleDecider).When(setup.CreateScale{Meta: admin, ScaleID: "fri", Name: "X", FreeTextOnly: true, Steps: steps("a", "b")}).
			ThenError(domain.CodeInvalid)
	})
	t.Run("step keys are unique and labels non-empty", func(t *testing.T) {
		domaintest.Given(t, setup.ScaleDecider).When(setup.CreateScale{Meta: admin, ScaleID: "s", Name: "S", Steps: steps("a", "a")}).
			ThenError(domain.CodeInvalid)
		domaintest.Given(t, setup.ScaleDecider).When(setup.CreateScale{Meta: admin, ScaleID: "s", Name: "S", Steps: []setup.Step{{Key: "a", Label: "A"}, {Key: "b", Label: " "}}}).
			ThenError(domain.CodeInvalid)
		domaintest.Given(t, setup.ScaleDecider).When(setup.CreateScale{Meta: admin, ScaleID: "s", Name: "S", Steps: []setup.Step{{Key: "a b", Label: "A"}, {Key: "b", Label: "B"}}}).
			ThenError(domain.CodeInvalid)
		domaintest.Given(t, setup.ScaleDecider).When(setup.CreateScale{Meta: admin, ScaleID: "s", Steps: steps("a", "b")}).
			ThenError(domain.CodeInvalid)
	})
	t.Run("a scale in use is not changed: a new one is made instead", func(t *testing.T) {
		domaintest.Given(t, setup.ScaleDecider, created).When(three).Then()
		changed := three
		changed.Steps = steps("1", "2")
		domaintest.Given(t, setup.ScaleDecider, created).When(changed).ThenError(domain.CodeRuleViolated)
	})
	t.Run("a non-admin cannot create a scale", func(t *testing.T) {
		c := three
		c.Meta = teacher
		domaintest.Given(t, setup.ScaleDecider).When(c).ThenError(domain.CodeForbidden)
	})
	t.Run("steps are found by key in order", func(t *testing.T) {
		s := setup.ScaleDecider.Fold([]domain.Event{created})
		if i, ok := s.StepIndex("3"); !ok || i != 2 || !s.HasStep("1") || s.HasStep("4") || !s.Exists {
			t.Fatalf("scale = %+v", s)
		}
	})
}

func field(key string, visible, editable []domain.Role) setup.Field {
	return setup.Field{Key: key, Heading: "Rubrik " + key, VisibleTo: visible, EditableBy: editable}
}

var (
	staffRoles = []domain.Role{domain.RoleMentor, domain.RoleTeacher}
	allRoles   = []domain.Role{domain.RoleMentor, domain.RoleTeacher, domain.RoleStudent, domain.RoleGuardian}
	goalsV1    = []setup.Field{field("school_does", allRoles, staffRoles), field("student_does", allRoles, []domain.Role{domain.RoleMentor, domain.RoleStudent})}
)

func TestTemplate(t *testing.T) {
	create := setup.CreateTemplate{Meta: admin, TemplateID: "iup", Title: "IUP", Fields: goalsV1}
	v1 := setup.TemplateVersionCreated{TemplateID: "iup", Version: 1, Title: "IUP", Fields: goalsV1}
	fieldsV2 := append(append([]setup.Field(nil), goalsV1...), setup.Field{Key: "support", Heading: "Stöd", VisibleTo: staffRoles, EditableBy: staffRoles, Sensitive: true})

	t.Run("an admin creates version 1 of a template", func(t *testing.T) {
		domaintest.Given(t, setup.TemplateDecider).When(create).Then(v1)
	})
	t.Run("a template change makes version 2 while version 1 stays readable", func(t *testing.T) {
		change := setup.ChangeTemplate{Meta: admin, TemplateID: "iup", Title: "IUP 2", Fields: fieldsV2}
		v2 := setup.TemplateVersionCreated{TemplateID: "iup", Version: 2, Title: "IUP 2", Fields: fieldsV2}
		domaintest.Given(t, setup.TemplateDecider, v1).When(change).Then(v2)
		tpl := setup.TemplateDecider.Fold([]domain.Event{v1, v2})
		if cur := tpl.Current(); cur.Version != 2 || cur.Title != "IUP 2" || len(cur.Fields) != 3 {
			t.Fatalf("current = %+v", cur)
		}
		old, ok := tpl.At(1)
		if !ok || old.Title != "IUP" || len(old.Fields) != 2 {
			t.Fatalf("version 1 = %+v, %v", old, ok)
		}
		if _, ok := old.Field("support"); ok {
			t.Fatal("version 1 gained a field of version 2")
		}
		if _, ok := tpl.At(3); ok {
			t.Fatal("version 3 does not exist")
		}
	})
	t.Run("changing a template to what it is changes nothing", func(t *testing.T) {
		domaintest.Given(t, setup.TemplateDecider, v1).When(setup.ChangeTemplate{Meta: admin, TemplateID: "iup", Title: "IUP", Fields: goalsV1}).Then()
		domaintest.Given(t, setup.TemplateDecider, v1).When(create).Then()
	})
	t.Run("creating a different template under an existing id is refused", func(t *testing.T) {
		c := create
		c.Title = "Annan"
		domaintest.Given(t, setup.TemplateDecider, v1).When(c).ThenError(domain.CodeRuleViolated)
	})
	t.Run("changing a template that does not exist is refused", func(t *testing.T) {
		domaintest.Given(t, setup.TemplateDecider).When(setup.ChangeTemplate{Meta: admin, TemplateID: "iup", Title: "IUP", Fields: goalsV1}).
			ThenError(domain.CodeNotFound)
	})
	t.Run("a field editable but not visible is refused", func(t *testing.T) {
		c := create
		c.Fields = []setup.Field{field("notes", []domain.Role{domain.RoleMentor}, []domain.Role{domain.RoleMentor, domain.RoleStudent})}
		domaintest.Given(t, setup.TemplateDecider).When(c).ThenError(domain.CodeInvalid)
	})
	t.Run("field keys match the pattern and are unique", func(t *testing.T) {
		for _, key := range []string{"", "Goals", "1goal", "goal-x", strings.Repeat("a", 41)} {
			c := create
			c.Fields = []setup.Field{field(key, allRoles, nil)}
			domaintest.Given(t, setup.TemplateDecider).When(c).ThenError(domain.CodeInvalid)
		}
		c := create
		c.Fields = []setup.Field{field("goal", allRoles, nil), field("goal", allRoles, nil)}
		domaintest.Given(t, setup.TemplateDecider).When(c).ThenError(domain.CodeInvalid)
	})
	t.Run("fields need a heading and known roles and are visible to someone; a template needs fields and a title", func(t *testing.T) {
		c := create
		c.Fields = []setup.Field{{Key: "goal", VisibleTo: allRoles}}
		domaintest.Given(t, setup.TemplateDecider).When(c).ThenError(domain.CodeInvalid)
		c.Fields = []setup.Field{field("goal", []domain.Role{"janitor"}, nil)}
		domaintest.Given(t, setup.TemplateDecider).When(c).ThenError(domain.CodeInvalid)
		c.Fields = []setup.Field{field("goal", []domain.Role{domain.RoleSystem}, nil)}
		domaintest.Given(t, setup.TemplateDecider).When(c).ThenError(domain.CodeInvalid)
		c.Fields = []setup.Field{field("goal", nil, nil)}
		domaintest.Given(t, setup.TemplateDecider).When(c).ThenError(domain.CodeInvalid)
		c.Fields = nil
		domaintest.Given(t, setup.TemplateDecider).When(c).ThenError(domain.CodeInvalid)
		c.Fields, c.Title = goalsV1, ""
		domaintest.Given(t, setup.TemplateDecider).When(c).ThenError(domain.CodeInvalid)
	})
	t.Run("repeated roles are recorded once", func(t *testing.T) {
		c := create
		c.Fields = []setup.Field{field("goal", []domain.Role{domain.RoleMentor, domain.RoleMentor}, []domain.Role{domain.RoleMentor})}
		domaintest.Given(t, setup.TemplateDecider).When(c).Then(setup.TemplateVersionCreated{TemplateID: "iup", Version: 1, Title: "IUP",
			Fields: []setup.Field{field("goal", []domain.Role{domain.RoleMentor}, []domain.Role{domain.RoleMentor})}})
	})
	t.Run("field rights are read per role", func(t *testing.T) {
		f, ok := setup.TemplateDecider.Fold([]domain.Event{v1}).Current().Field("student_does")
		if !ok || !f.VisibleToRole(domain.RoleGuardian) || f.EditableByRole(domain.RoleGuardian) || !f.EditableByRole(domain.RoleStudent) {
			t.Fatalf("field = %+v", f)
		}
	})
	t.Run("a principal creates templates for their own school only", func(t *testing.T) {
		c := create
		c.Meta, c.SchoolID = principal, "s1"
		c.Facts = setup.TemplateFacts{SchoolExists: true, PrincipalOfSchool: true}
		domaintest.Given(t, setup.TemplateDecider).When(c).
			Then(setup.TemplateVersionCreated{TemplateID: "iup", Version: 1, Title: "IUP", SchoolID: "s1", Fields: goalsV1})
		c.Facts.PrincipalOfSchool = false
		domaintest.Given(t, setup.TemplateDecider).When(c).ThenError(domain.CodeForbidden)
		c.SchoolID, c.Facts.PrincipalOfSchool = "", true
		domaintest.Given(t, setup.TemplateDecider).When(c).ThenError(domain.CodeForbidden)
	})
	t.Run("a principal may not move a template to another scope", func(t *testing.T) {
		c := setup.ChangeTemplate{Meta: principal, TemplateID: "iup", Title: "IUP", SchoolID: "s1", Fields: fieldsV2,
			Facts: setup.TemplateFacts{SchoolExists: true, PrincipalOfSchool: true}}
		domaintest.Given(t, setup.TemplateDecider, v1).When(c).ThenError(domain.CodeForbidden)
	})
	t.Run("a teacher cannot make templates", func(t *testing.T) {
		c := create
		c.Meta = teacher
		domaintest.Given(t, setup.TemplateDecider).When(c).ThenError(domain.CodeForbidden)
	})
	t.Run("a template scoped to a school needs the school", func(t *testing.T) {
		c := create
		c.SchoolID = "s9"
		domaintest.Given(t, setup.TemplateDecider).When(c).ThenError(domain.CodeNotFound)
	})
}

func TestSchool(t *testing.T) {
	reg := setup.RegisterSchool{Meta: admin, SchoolID: "s1", Name: "Ekskolan", SchoolForms: []string{setup.FormGrundskola, setup.FormForskoleklass, setup.FormGrundskola}}
	registered := setup.SchoolRegistered{SchoolID: "s1", Name: "Ekskolan", SchoolForms: []string{setup.FormGrundskola, setup.FormForskoleklass}}
	t.Run("an admin registers a school with its school forms", func(t *testing.T) {
		domaintest.Given(t, setup.SchoolDecider).When(reg).Then(registered)
		s := setup.SchoolDecider.Fold([]domain.Event{registered})
		if !s.Exists || !s.HasForm(setup.FormForskoleklass) || s.HasForm(setup.FormSpecialskola) {
			t.Fatalf("school = %+v", s)
		}
	})
	t.Run("registering it again changes nothing, but other details are refused", func(t *testing.T) {
		domaintest.Given(t, setup.SchoolDecider, registered).When(reg).Then()
		r := reg
		r.Name = "Björkskolan"
		domaintest.Given(t, setup.SchoolDecider, registered).When(r).ThenError(domain.CodeRuleViolated)
	})
	t.Run("a school's name and forms may change", func(t *testing.T) {
		c := setup.ChangeSchool{Meta: admin, SchoolID: "s1", Name: "Björkskolan", SchoolForms: []string{setup.FormAnpassadGrundskola}}
		domaintest.Given(t, setup.SchoolDecider, registered).When(c).
			Then(setup.SchoolChanged{SchoolID: "s1", Name: "Björkskolan", SchoolForms: []string{setup.FormAnpassadGrundskola}})
		domaintest.Given(t, setup.SchoolDecider).When(c).ThenError(domain.CodeNotFound)
	})
	t.Run("unknown or missing school forms are refused", func(t *testing.T) {
		r := reg
		r.SchoolForms = []string{"gymnasium"}
		domaintest.Given(t, setup.SchoolDecider).When(r).ThenError(domain.CodeInvalid)
		r.SchoolForms = nil
		domaintest.Given(t, setup.SchoolDecider).When(r).ThenError(domain.CodeInvalid)
		r.SchoolForms, r.Name = []string{setup.FormSameskola}, ""
		domaintest.Given(t, setup.SchoolDecider).When(r).ThenError(domain.CodeInvalid)
	})
	t.Run("a non-admin cannot register a school", func(t *testing.T) {
		r := reg
		r.Meta = principal
		domaintest.Given(t, setup.SchoolDecider).When(r).ThenError(domain.CodeForbidden)
	})
	t.Run("a personal identity number as an id is refused", func(t *testing.T) {
		r := reg
		r.SchoolID = "201201121212"
		domaintest.Given(t, setup.SchoolDecider).When(r).ThenError(domain.CodeInvalid)
	})
}
