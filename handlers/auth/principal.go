// Package auth authenticates API callers: it verifies OIDC access tokens
// (JWT) against the issuer's keys and puts the caller, a Principal, in the
// request context. It says who the caller is and which roles the token
// grants; what they may touch (guardian of, mentor of, teacher of) comes
// from the roster, never from the token.
package auth

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/iup-platform/iup/domain"
)

// Principal is an authenticated caller.
type Principal struct {
	Subject string        // the token's sub: an opaque person id
	Tenant  string        // huvudman
	Roles   []domain.Role // as granted by the issuer, in the token's order
	// Role is the one role this request acts in: the IUP-Role header's
	// choice among Roles, else the most privileged of them.
	Role domain.Role
}

// rolePriority orders roles from most to least privileged, to pick the
// acting role when the caller does not name one.
var rolePriority = []domain.Role{domain.RoleAdmin, domain.RolePrincipal, domain.RoleMentor,
	domain.RoleTeacher, domain.RoleStudent, domain.RoleGuardian}

// ErrRoleNotGranted is returned by Acting for a role the token lacks.
var ErrRoleNotGranted = errors.New("the access token does not grant this role")

// Acting returns p acting in role requested ("" picks the most privileged
// granted role).
func (p Principal) Acting(requested string) (Principal, error) {
	if requested != "" {
		r := domain.Role(requested)
		if !p.Has(r) {
			return p, fmt.Errorf("%w: %q", ErrRoleNotGranted, requested)
		}
		p.Role = r
		return p, nil
	}
	for _, r := range rolePriority {
		if p.Has(r) {
			p.Role = r
			return p, nil
		}
	}
	return p, ErrRoleNotGranted
}

// Has reports whether the token grants role r.
func (p Principal) Has(r domain.Role) bool { return slices.Contains(p.Roles, r) }

type principalKey struct{}

// WithPrincipal returns ctx carrying p.
func WithPrincipal(ctx context.Context, p Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// FromContext returns the caller the middleware authenticated.
func FromContext(ctx context.Context) (Principal, bool) {
	p, ok := ctx.Value(principalKey{}).(Principal)
	return p, ok
}

// clone copies p, so a caller changing its Roles cannot change a cached one.
func (p Principal) clone() Principal {
	p.Roles = slices.Clone(p.Roles)
	return p
}
