package setup

import (
	"slices"
	"strings"

	"github.com/iup-platform/iup/domain"
)

// TemplateDecider is the template aggregate: every change makes a new
// version, and every version stays readable.
var TemplateDecider = domain.Decider[Template, TemplateCommand]{
	Initial: func() Template { return Template{} },
	Decide:  decideTemplate,
	Evolve:  evolveTemplate,
}

// fieldRoles are the roles a field can be shown to or edited by.
var fieldRoles = []domain.Role{domain.RoleAdmin, domain.RolePrincipal, domain.RoleMentor, domain.RoleTeacher, domain.RoleStudent, domain.RoleGuardian}

func decideTemplate(t Template, c TemplateCommand) ([]domain.Event, error) {
	if err := domain.CheckID("template_id", c.templateID()); err != nil {
		return nil, err
	}
	var v TemplateVersion
	var facts TemplateFacts
	switch c := c.(type) {
	case CreateTemplate:
		v, facts = TemplateVersion{Title: c.Title, SchoolID: c.SchoolID, Fields: c.Fields}, c.Facts
	case ChangeTemplate:
		if !t.Exists {
			return nil, domain.NotFound("there is no template with this id")
		}
		v, facts = TemplateVersion{Title: c.Title, SchoolID: c.SchoolID, Fields: c.Fields}, c.Facts
	default:
		return nil, domain.Invalid("command", "is not a template command")
	}
	if err := checkOptionalID("school_id", v.SchoolID); err != nil {
		return nil, err
	}
	if err := authorizeTemplate(c.CommandMeta().Actor, t, v.SchoolID, facts); err != nil {
		return nil, err
	}
	v.Title = strings.TrimSpace(v.Title)
	if err := checkText("title", v.Title, MaxName); err != nil {
		return nil, err
	}
	fields, err := checkFields(v.Fields)
	if err != nil {
		return nil, err
	}
	v.Fields = fields
	if v.SchoolID != "" && !facts.SchoolExists {
		return nil, domain.NotFound("there is no school with this id")
	}
	if t.Exists {
		cur := t.Current()
		if cur.Title == v.Title && cur.SchoolID == v.SchoolID && slices.EqualFunc(cur.Fields, v.Fields, equalField) {
			return nil, nil
		}
		if _, create := c.(CreateTemplate); create {
			return nil, domain.RuleViolated("a template with this id already exists: change it to make a new version")
		}
	}
	return []domain.Event{TemplateVersionCreated{
		TemplateID: c.templateID(), Version: len(t.Versions) + 1, Title: v.Title, SchoolID: v.SchoolID, Fields: v.Fields,
	}}, nil
}

// authorizeTemplate: organiser admins make any template; a principal makes
// and changes templates scoped to a school they lead, and never moves one
// to another scope.
func authorizeTemplate(a domain.Actor, t Template, schoolID string, f TemplateFacts) error {
	if requireAdmin(a) == nil {
		return nil
	}
	if a.Role != domain.RolePrincipal {
		return domain.Forbidden("only an organiser admin, or a principal for their own school, may make templates")
	}
	if schoolID == "" || !f.PrincipalOfSchool {
		return domain.Forbidden("a principal may only make templates scoped to a school they lead")
	}
	if t.Exists && t.Current().SchoolID != schoolID {
		return domain.Forbidden("a principal may not move a template to another scope")
	}
	return nil
}

// checkFields validates fields and removes repeated roles, keeping order.
func checkFields(in []Field) ([]Field, error) {
	if len(in) == 0 || len(in) > MaxFields {
		return nil, domain.Invalid("fields", "a template has 1 to %d fields, not %d", MaxFields, len(in))
	}
	out := make([]Field, 0, len(in))
	for i, f := range in {
		if !fieldKeyPattern.MatchString(f.Key) {
			return nil, domain.Invalid("fields", "field %d: the key must match [a-z][a-z0-9_]{0,39}", i+1)
		}
		if slices.ContainsFunc(out, func(o Field) bool { return o.Key == f.Key }) {
			return nil, domain.Invalid("fields", "field %d: the key %q is used twice; keys must be unique", i+1, f.Key)
		}
		f.Heading = strings.TrimSpace(f.Heading)
		if err := checkText("fields", f.Heading, MaxName); err != nil {
			return nil, domain.Invalid("fields", "field %q: the heading is required and at most %d characters", f.Key, MaxName)
		}
		var err error
		if f.VisibleTo, err = checkRoles(f.Key, f.VisibleTo); err != nil {
			return nil, err
		}
		if f.EditableBy, err = checkRoles(f.Key, f.EditableBy); err != nil {
			return nil, err
		}
		if len(f.VisibleTo) == 0 {
			return nil, domain.Invalid("fields", "field %q is visible to no role: name at least one", f.Key)
		}
		for _, r := range f.EditableBy {
			if !slices.Contains(f.VisibleTo, r) {
				return nil, domain.Invalid("fields", "field %q: %s may edit it but not see it; a role that may edit must be able to see", f.Key, r)
			}
		}
		out = append(out, f)
	}
	return out, nil
}

func checkRoles(key string, in []domain.Role) ([]domain.Role, error) {
	out := make([]domain.Role, 0, len(in))
	for _, r := range in {
		if !slices.Contains(fieldRoles, r) {
			return nil, domain.Invalid("fields", "field %q: %q is not a role a field can name", key, r)
		}
		if !slices.Contains(out, r) {
			out = append(out, r)
		}
	}
	return out, nil
}

func equalField(a, b Field) bool {
	return a.Key == b.Key && a.Heading == b.Heading && a.Sensitive == b.Sensitive &&
		slices.Equal(a.VisibleTo, b.VisibleTo) && slices.Equal(a.EditableBy, b.EditableBy)
}
