package setup

import (
	"context"
	"time"

	"github.com/iup-platform/iup/domain"
)

// LoadOrganiser folds the organiser stream of tenant.
func LoadOrganiser(ctx context.Context, log domain.EventLog, tenant string) (Organiser, domain.Version, error) {
	return domain.Load(ctx, log, OrganiserDecider, OrganiserStream(tenant))
}

// LoadSchoolYear folds the stream of school year id.
func LoadSchoolYear(ctx context.Context, log domain.EventLog, tenant, id string) (SchoolYear, domain.Version, error) {
	return domain.Load(ctx, log, SchoolYearDecider, SchoolYearStream(tenant, id))
}

// LoadScale folds the stream of scale id.
func LoadScale(ctx context.Context, log domain.EventLog, tenant, id string) (Scale, domain.Version, error) {
	return domain.Load(ctx, log, ScaleDecider, ScaleStream(tenant, id))
}

// LoadTemplate folds the stream of template id with all its versions.
func LoadTemplate(ctx context.Context, log domain.EventLog, tenant, id string) (Template, domain.Version, error) {
	return domain.Load(ctx, log, TemplateDecider, TemplateStream(tenant, id))
}

// LoadSchool folds the stream of school id.
func LoadSchool(ctx context.Context, log domain.EventLog, tenant, id string) (School, domain.Version, error) {
	return domain.Load(ctx, log, SchoolDecider, SchoolStream(tenant, id))
}

// Today is the calendar day of instant now in the organiser's time zone,
// with the organiser stream's version it was read at.
func Today(ctx context.Context, log domain.EventLog, tenant string, now time.Time) (domain.Date, FactRead, error) {
	o, v, err := LoadOrganiser(ctx, log, tenant)
	if err != nil {
		return domain.Date{}, FactRead{}, err
	}
	return domain.DateOf(now, o.Location()), FactRead{Stream: OrganiserStream(tenant), Version: v}, nil
}
