package roster

import (
	"slices"

	"github.com/iup-platform/iup/domain"
)

// StaffDecider is the staff aggregate.
var StaffDecider = domain.Decider[Staff, StaffCommand]{
	Initial: func() Staff { return Staff{} },
	Decide:  decideStaff,
	Evolve:  evolveStaff,
}

// GuardianDecider is the guardian aggregate.
var GuardianDecider = domain.Decider[Guardian, GuardianCommand]{
	Initial: func() Guardian { return Guardian{} },
	Decide:  decideGuardian,
	Evolve:  evolveGuardian,
}

// staffRoles are the roles a staff member can be granted.
var staffRoles = []domain.Role{domain.RoleAdmin, domain.RolePrincipal, domain.RoleMentor, domain.RoleTeacher}

func decideStaff(s Staff, c StaffCommand) ([]domain.Event, error) {
	if err := domain.CheckID("staff_id", c.staffID()); err != nil {
		return nil, err
	}
	a := c.CommandMeta().Actor
	switch c := c.(type) {
	case RegisterStaff:
		name, err := checkName("display_name", c.DisplayName)
		if err = firstError(err, authorizeAnyPrincipal(a, c.Facts.Auth)); err != nil {
			return nil, err
		}
		if s.Exists {
			if s.DisplayName == name {
				return nil, nil
			}
			return nil, domain.RuleViolated("a staff member with this id already exists: rename them instead")
		}
		return []domain.Event{StaffRegistered{StaffID: c.StaffID, DisplayName: name}}, nil
	case RenameStaff:
		name, err := checkName("display_name", c.DisplayName)
		if err = firstError(err, authorizeAnyPrincipal(a, c.Facts.Auth)); err != nil {
			return nil, err
		}
		if !s.Exists {
			return nil, domain.NotFound("there is no staff member with this id")
		}
		if s.DisplayName == name {
			return nil, nil
		}
		return []domain.Event{StaffRenamed{StaffID: s.ID, DisplayName: name}}, nil
	case GrantRole:
		if err := checkGrant(a, c.Role, c.SchoolID, c.EffectiveFrom, c.Facts); err != nil {
			return nil, err
		}
		if !s.Exists {
			return nil, domain.NotFound("there is no staff member with this id")
		}
		if c.SchoolID != "" && !c.Facts.SchoolExists {
			return nil, domain.NotFound("there is no school with this id")
		}
		if s.openRole(c.Role, c.SchoolID) >= 0 {
			return nil, nil
		}
		return []domain.Event{StaffRoleGranted{StaffID: s.ID, Role: c.Role, SchoolID: c.SchoolID, EffectiveFrom: c.EffectiveFrom}}, nil
	case EndRole:
		if err := checkGrant(a, c.Role, c.SchoolID, c.EffectiveFrom, c.Facts); err != nil {
			return nil, err
		}
		i := s.openRole(c.Role, c.SchoolID)
		if i < 0 {
			return nil, nil
		}
		if c.EffectiveFrom.Before(s.Roles[i].From) {
			return nil, domain.Invalid("effective_from", "is before the role began (%s)", s.Roles[i].From)
		}
		return []domain.Event{StaffRoleEnded{StaffID: s.ID, Role: c.Role, SchoolID: c.SchoolID, EffectiveFrom: c.EffectiveFrom}}, nil
	}
	return nil, domain.Invalid("command", "is not a staff command")
}

// checkGrant validates a role grant or end, and who may make it: organiser
// admins grant any role; a principal grants mentor and teacher at a school
// they lead, never admin or principal.
func checkGrant(a domain.Actor, r domain.Role, schoolID string, on domain.Date, f Facts) error {
	if !slices.Contains(staffRoles, r) {
		return domain.Invalid("role", "must be admin, principal, mentor or teacher, not %q", r)
	}
	if r == domain.RoleAdmin && schoolID != "" {
		return domain.Invalid("school_id", "must be empty: the admin role is organiser-wide")
	}
	if r != domain.RoleAdmin {
		if err := domain.CheckID("school_id", schoolID); err != nil {
			return err
		}
	}
	if err := requireDate("effective_from", on); err != nil {
		return err
	}
	if isAdmin(a) {
		return nil
	}
	if r == domain.RoleAdmin || r == domain.RolePrincipal {
		return domain.Forbidden("only an organiser admin may grant or end the admin and principal roles")
	}
	return authorizeSchool(a, f.Auth, schoolID)
}

func decideGuardian(g Guardian, c GuardianCommand) ([]domain.Event, error) {
	if err := domain.CheckID("guardian_id", c.guardianID()); err != nil {
		return nil, err
	}
	var name string
	var f Facts
	switch c := c.(type) {
	case RegisterGuardian:
		name, f = c.DisplayName, c.Facts
	case RenameGuardian:
		name, f = c.DisplayName, c.Facts
	default:
		return nil, domain.Invalid("command", "is not a guardian command")
	}
	name, err := checkName("display_name", name)
	if err = firstError(err, authorizeAnyPrincipal(c.CommandMeta().Actor, f.Auth)); err != nil {
		return nil, err
	}
	_, register := c.(RegisterGuardian)
	switch {
	case g.Exists && g.DisplayName == name:
		return nil, nil
	case register && g.Exists:
		return nil, domain.RuleViolated("a guardian with this id already exists: rename them instead")
	case register:
		return []domain.Event{GuardianRegistered{GuardianID: c.guardianID(), DisplayName: name}}, nil
	case !g.Exists:
		return nil, domain.NotFound("there is no guardian with this id")
	}
	return []domain.Event{GuardianRenamed{GuardianID: g.ID, DisplayName: name}}, nil
}
