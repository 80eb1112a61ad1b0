// Package policy is the one place where the API decides who may read what:
// tenant, role and relation, checked on every read, and the coarse role
// check on every write (the domain refuses the rest). Relations (guardian
// of, mentor of, teacher of, principal of) come from the roster, never from
// the access token, and are judged on the day of the request.
//
// A refusal is ErrHidden: the API answers it with the same 404 as a record
// that does not exist, so a caller never learns that someone else's record
// is there.
package policy

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/iup-platform/iup/domain"
	"github.com/iup-platform/iup/domain/roster"
	"github.com/iup-platform/iup/handlers/auth"
)

// ErrHidden is the answer to a read of something the caller may not see,
// or that does not exist: the two are deliberately the same.
var ErrHidden = errors.New("policy: no such record among yours")

// Roster is what the policy reads of the roster. A missing person or course
// is a zero value with Exists false, not an error.
type Roster interface {
	Student(ctx context.Context, tenant, id string) (roster.Student, error)
	Course(ctx context.Context, tenant, id string) (roster.Course, error)
	Staff(ctx context.Context, tenant, id string) (roster.Staff, error)
	// CoursesOf lists the courses a student is or was enrolled in. The
	// list may lag; the policy confirms every course on the course itself.
	CoursesOf(ctx context.Context, tenant, studentID string) ([]string, error)
}

// Policy answers the access questions of the API.
type Policy struct{ roster Roster }

// New returns the policy over r.
func New(r Roster) (*Policy, error) {
	if r == nil {
		return nil, errors.New("policy: needs a roster")
	}
	return &Policy{roster: r}, nil
}

// Student checks that who may read the records (plan, omdömen, talks,
// snapshots, audit trail) of student id on day.
func (p *Policy) Student(ctx context.Context, who auth.Principal, id string, day domain.Date) error {
	s, err := p.roster.Student(ctx, who.Tenant, id)
	if err != nil {
		return fmt.Errorf("policy: student: %w", err)
	}
	if !s.Exists {
		return ErrHidden
	}
	switch who.Role {
	case domain.RoleAdmin:
		return nil
	case domain.RolePrincipal:
		return p.principalOf(ctx, who, schoolOf(s, day), day)
	case domain.RoleMentor:
		if s.IsMentor(who.Subject, day) {
			return nil
		}
		return p.teaches(ctx, who, id, day)
	case domain.RoleTeacher:
		return p.teaches(ctx, who, id, day)
	case domain.RoleStudent:
		if who.Subject == id {
			return nil
		}
	case domain.RoleGuardian:
		active, restricted := s.GuardianAccess(who.Subject, day)
		if active && !restricted {
			return nil
		}
	}
	return ErrHidden
}

// schoolOf is the student's school on day, or the last one when the student
// has left (a principal still answers for the records of a leaver).
func schoolOf(s roster.Student, day domain.Date) string {
	if sc := s.SchoolOn(day); sc != "" {
		return sc
	}
	return s.SchoolID
}

// teaches checks that who teaches the student in some course on day.
func (p *Policy) teaches(ctx context.Context, who auth.Principal, studentID string, day domain.Date) error {
	ids, err := p.roster.CoursesOf(ctx, who.Tenant, studentID)
	if err != nil {
		return fmt.Errorf("policy: courses of student: %w", err)
	}
	for _, cid := range ids {
		c, err := p.roster.Course(ctx, who.Tenant, cid)
		if err != nil {
			return fmt.Errorf("policy: course: %w", err)
		}
		if c.Exists && member(c.Teachers, who.Subject, day) && member(c.Students, studentID, day) {
			return nil
		}
	}
	return ErrHidden
}

func member(ms []roster.Membership, id string, day domain.Date) bool {
	return slices.ContainsFunc(ms, func(m roster.Membership) bool {
		return m.PersonID == id && !day.Before(m.From) && (m.To.IsZero() || day.Before(m.To))
	})
}

// principalOf checks that who is principal (rektor) of school on day.
func (p *Policy) principalOf(ctx context.Context, who auth.Principal, school string, day domain.Date) error {
	if school == "" {
		return ErrHidden
	}
	st, err := p.roster.Staff(ctx, who.Tenant, who.Subject)
	if err != nil {
		return fmt.Errorf("policy: staff: %w", err)
	}
	if st.Exists && st.HasRole(domain.RolePrincipal, school, day) {
		return nil
	}
	return ErrHidden
}

// Course checks that who may read course id (its view, its audit trail):
// an admin, the principal of its school, or a teacher of it on day.
func (p *Policy) Course(ctx context.Context, who auth.Principal, id string, day domain.Date) error {
	c, err := p.roster.Course(ctx, who.Tenant, id)
	if err != nil {
		return fmt.Errorf("policy: course: %w", err)
	}
	if !c.Exists {
		return ErrHidden
	}
	switch who.Role {
	case domain.RoleAdmin:
		return nil
	case domain.RolePrincipal:
		return p.principalOf(ctx, who, c.SchoolID, day)
	case domain.RoleTeacher, domain.RoleMentor:
		if member(c.Teachers, who.Subject, day) {
			return nil
		}
	}
	return ErrHidden
}

// CourseAudit checks that who may read a course's audit trail: the course
// rules, narrowed to admins and principals.
func (p *Policy) CourseAudit(ctx context.Context, who auth.Principal, id string, day domain.Date) error {
	if who.Role != domain.RoleAdmin && who.Role != domain.RolePrincipal {
		return ErrHidden
	}
	return p.Course(ctx, who, id, day)
}

// StudentAudit checks that who may read a student's audit trail: admins,
// and the principal of the student's school.
func (p *Policy) StudentAudit(ctx context.Context, who auth.Principal, id string, day domain.Date) error {
	if who.Role != domain.RoleAdmin && who.Role != domain.RolePrincipal {
		return ErrHidden
	}
	return p.Student(ctx, who, id, day)
}

// School checks that who may read a school's lists: an admin, or its
// principal on day.
func (p *Policy) School(ctx context.Context, who auth.Principal, id string, day domain.Date) error {
	switch who.Role {
	case domain.RoleAdmin:
		return nil
	case domain.RolePrincipal:
		return p.principalOf(ctx, who, id, day)
	}
	return ErrHidden
}

// MentorOverview checks that who may read mentor id's overview: the mentor
// themself, an admin, or a principal of a school where the mentor serves.
func (p *Policy) MentorOverview(ctx context.Context, who auth.Principal, id string, day domain.Date) error {
	switch who.Role {
	case domain.RoleAdmin:
		return p.staffExists(ctx, who, id)
	case domain.RoleMentor:
		if who.Subject == id {
			return nil
		}
	case domain.RolePrincipal:
		return p.sharesSchool(ctx, who, id, day)
	}
	return ErrHidden
}

// Actor checks that who may read the audit trail of actor id: an admin
// (any actor of the tenant), a principal (staff serving at their school).
func (p *Policy) Actor(ctx context.Context, who auth.Principal, id string, day domain.Date) error {
	switch who.Role {
	case domain.RoleAdmin:
		return nil
	case domain.RolePrincipal:
		return p.sharesSchool(ctx, who, id, day)
	}
	return ErrHidden
}

// AccessLog checks that who may read the read access log: admins only.
func AccessLog(who auth.Principal) error {
	if who.Role == domain.RoleAdmin {
		return nil
	}
	return ErrHidden
}

func (p *Policy) staffExists(ctx context.Context, who auth.Principal, id string) error {
	st, err := p.roster.Staff(ctx, who.Tenant, id)
	if err != nil {
		return fmt.Errorf("policy: staff: %w", err)
	}
	if !st.Exists {
		return ErrHidden
	}
	return nil
}

// sharesSchool: staff member id holds some role at a school who leads.
func (p *Policy) sharesSchool(ctx context.Context, who auth.Principal, id string, day domain.Date) error {
	st, err := p.roster.Staff(ctx, who.Tenant, id)
	if err != nil {
		return fmt.Errorf("policy: staff: %w", err)
	}
	if !st.Exists {
		return ErrHidden
	}
	for _, g := range st.Roles {
		if g.SchoolID == "" || day.Before(g.From) || (!g.To.IsZero() && !day.Before(g.To)) {
			continue
		}
		if p.principalOf(ctx, who, g.SchoolID, day) == nil {
			return nil
		}
	}
	return ErrHidden
}

// FieldVisible reports whether a plan field the template lets visibleTo
// see may be shown to role. It is the one test every path that shows a
// field uses: views, history, audit, time travel, SSE.
func FieldVisible(role domain.Role, visibleTo []domain.Role) bool {
	return slices.Contains(visibleTo, role)
}
