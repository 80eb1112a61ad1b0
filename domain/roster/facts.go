package roster

import (
	"context"

	"github.com/iup-platform/iup/domain"
	"github.com/iup-platform/iup/domain/setup"
)

// LoadStudent folds the stream of student id.
func LoadStudent(ctx context.Context, log domain.EventLog, tenant, id string) (Student, domain.Version, error) {
	return domain.Load(ctx, log, StudentDecider, StudentStream(tenant, id))
}

// LoadStaff folds the stream of staff member id.
func LoadStaff(ctx context.Context, log domain.EventLog, tenant, id string) (Staff, domain.Version, error) {
	return domain.Load(ctx, log, StaffDecider, StaffStream(tenant, id))
}

// LoadGuardian folds the stream of guardian id.
func LoadGuardian(ctx context.Context, log domain.EventLog, tenant, id string) (Guardian, domain.Version, error) {
	return domain.Load(ctx, log, GuardianDecider, GuardianStream(tenant, id))
}

// LoadCourse folds the stream of course id.
func LoadCourse(ctx context.Context, log domain.EventLog, tenant, id string) (Course, domain.Version, error) {
	return domain.Load(ctx, log, CourseDecider, CourseStream(tenant, id))
}

// IsPrincipal answers setup's question whether a staff member is principal
// of a school on a day, from their staff stream.
func IsPrincipal(log domain.EventLog) setup.PrincipalLookup {
	return func(ctx context.Context, tenant, staffID, schoolID string, on domain.Date) (bool, setup.FactRead, error) {
		s, v, err := LoadStaff(ctx, log, tenant, staffID)
		if err != nil {
			return false, setup.FactRead{}, err
		}
		return s.HasRole(domain.RolePrincipal, schoolID, on), setup.FactRead{Stream: StaffStream(tenant, staffID), Version: v}, nil
	}
}
