package setup

import (
	"context"

	"github.com/iup-platform/iup/domain"
)

// retries is how often a setup command re-runs after a concurrent write.
// Every setup decision is re-made on the fresh stream (and fresh facts), so
// re-running is safe.
const retries = 3

// PrincipalLookup reports whether staffID is principal of schoolID on day
// on, with the stream it read and its version. The roster provides it
// (roster.IsPrincipal), so setup need not import the roster.
type PrincipalLookup func(ctx context.Context, tenant, staffID, schoolID string, on domain.Date) (bool, FactRead, error)

func tenantOf(c domain.Command) (string, error) {
	t := c.CommandMeta().Actor.Tenant
	return t, domain.CheckID("tenant", t)
}

// HandleOrganiser runs a command on the organiser stream.
func HandleOrganiser(ctx context.Context, log domain.EventLog, cmd OrganiserCommand) (domain.Result, error) {
	tenant, err := tenantOf(cmd)
	if err != nil {
		return domain.Result{}, err
	}
	return domain.Handle(ctx, log, OrganiserDecider, OrganiserStream(tenant), cmd, domain.HandleOptions[OrganiserCommand]{Retries: retries})
}

// HandleSchool runs a command on a school stream.
func HandleSchool(ctx context.Context, log domain.EventLog, cmd SchoolCommand) (domain.Result, error) {
	tenant, err := tenantOf(cmd)
	if err != nil {
		return domain.Result{}, err
	}
	return domain.Handle(ctx, log, SchoolDecider, SchoolStream(tenant, cmd.schoolID()), cmd, domain.HandleOptions[SchoolCommand]{Retries: retries})
}

// HandleScale runs a command on a scale stream.
func HandleScale(ctx context.Context, log domain.EventLog, cmd ScaleCommand) (domain.Result, error) {
	tenant, err := tenantOf(cmd)
	if err != nil {
		return domain.Result{}, err
	}
	return domain.Handle(ctx, log, ScaleDecider, ScaleStream(tenant, cmd.scaleID()), cmd, domain.HandleOptions[ScaleCommand]{Retries: retries})
}

// HandleSchoolYear creates a school year or moves a term's dates. It first
// decides on the current facts (so nothing is indexed for a refused
// command), then records the terms in the organiser's index, which refuses
// an overlap atomically, and then writes the school year itself. A failure
// between the two writes leaves the index ahead; repeating the command
// completes it.
func HandleSchoolYear(ctx context.Context, log domain.EventLog, cmd SchoolYearCommand) (domain.Result, error) {
	tenant, err := tenantOf(cmd)
	if err != nil {
		return domain.Result{}, err
	}
	if err := domain.CheckID("school_year_id", cmd.schoolYearID()); err != nil {
		return domain.Result{}, err
	}
	stream := SchoolYearStream(tenant, cmd.schoolYearID())
	prepare := func(ctx context.Context, c SchoolYearCommand) (SchoolYearCommand, error) {
		y, _, err := LoadSchoolYear(ctx, log, tenant, c.schoolYearID())
		if err != nil {
			return nil, err
		}
		f, err := schoolYearFacts(ctx, log, tenant, c, y)
		return c.withFacts(f), err
	}
	// 1. Decide once on current facts: refusals and no-ops stop here.
	y, v, err := LoadSchoolYear(ctx, log, tenant, cmd.schoolYearID())
	if err != nil {
		return domain.Result{}, err
	}
	c, err := prepare(ctx, cmd)
	if err != nil {
		return domain.Result{}, err
	}
	events, err := SchoolYearDecider.Decide(y, c)
	if err != nil || len(events) == 0 {
		return domain.Result{Version: v}, err
	}
	// 2. Reserve the dates in the index.
	after := y
	for _, ev := range events {
		after = evolveSchoolYear(after, ev)
	}
	idx := IndexSchoolYear{Meta: cmd.CommandMeta(), SchoolYearID: after.ID, SchoolID: after.SchoolID,
		Terms: []Term{after.Terms[domain.HT], after.Terms[domain.VT]}}
	if _, err := HandleOrganiser(ctx, log, idx); err != nil {
		return domain.Result{}, err
	}
	// 3. Write the school year, deciding again on fresh facts.
	return domain.Handle(ctx, log, SchoolYearDecider, stream, cmd, domain.HandleOptions[SchoolYearCommand]{Retries: retries, Prepare: prepare})
}

// schoolYearFacts loads the other school years of the same scope and
// whether the named school exists.
func schoolYearFacts(ctx context.Context, log domain.EventLog, tenant string, c SchoolYearCommand, y SchoolYear) (SchoolYearFacts, error) {
	schoolID := y.SchoolID
	if create, ok := c.(CreateSchoolYear); ok && !y.Exists {
		schoolID = create.SchoolID
	}
	o, ov, err := LoadOrganiser(ctx, log, tenant)
	if err != nil {
		return SchoolYearFacts{}, err
	}
	f := SchoolYearFacts{SchoolExists: true, Read: []FactRead{{OrganiserStream(tenant), ov}}}
	for _, other := range indexed(o) {
		if other.ID != c.schoolYearID() && other.SchoolID == schoolID {
			f.Others = append(f.Others, other)
		}
	}
	if schoolID != "" && domain.ValidID(schoolID) {
		s, sv, err := LoadSchool(ctx, log, tenant, schoolID)
		if err != nil {
			return SchoolYearFacts{}, err
		}
		f.SchoolExists = s.Exists
		f.Read = append(f.Read, FactRead{SchoolStream(tenant, schoolID), sv})
	}
	return f, nil
}

// HandleTemplate creates or changes a template. principals answers whether
// a principal leads the template's school today; it may be nil when only
// organiser admins make templates.
func HandleTemplate(ctx context.Context, log domain.EventLog, principals PrincipalLookup, cmd TemplateCommand) (domain.Result, error) {
	tenant, err := tenantOf(cmd)
	if err != nil {
		return domain.Result{}, err
	}
	if err := domain.CheckID("template_id", cmd.templateID()); err != nil {
		return domain.Result{}, err
	}
	prepare := func(ctx context.Context, c TemplateCommand) (TemplateCommand, error) {
		f := TemplateFacts{SchoolExists: true}
		school := c.scope()
		if school == "" || !domain.ValidID(school) {
			return c.withFacts(f), nil
		}
		s, sv, err := LoadSchool(ctx, log, tenant, school)
		if err != nil {
			return nil, err
		}
		f.SchoolExists = s.Exists
		f.Read = append(f.Read, FactRead{SchoolStream(tenant, school), sv})
		a := c.CommandMeta().Actor
		if a.Role == domain.RolePrincipal && principals != nil {
			day, read, err := Today(ctx, log, tenant, c.CommandMeta().Now)
			if err != nil {
				return nil, err
			}
			ok, staffRead, err := principals(ctx, tenant, a.ID, school, day)
			if err != nil {
				return nil, err
			}
			f.PrincipalOfSchool = ok
			f.Read = append(f.Read, read, staffRead)
		}
		return c.withFacts(f), nil
	}
	return domain.Handle(ctx, log, TemplateDecider, TemplateStream(tenant, cmd.templateID()), cmd,
		domain.HandleOptions[TemplateCommand]{Retries: retries, Prepare: prepare})
}
