package domain

import (
	"regexp"
	"strings"
	"time"
)

// Role is what a person acts as.
type Role string

// The roles of the product.
const (
	RoleAdmin     Role = "admin"     // organiser admin (huvudmannens administratör)
	RolePrincipal Role = "principal" // rektor, for one school
	RoleMentor    Role = "mentor"
	RoleTeacher   Role = "teacher"  // ämneslärare
	RoleStudent   Role = "student"  // elev
	RoleGuardian  Role = "guardian" // vårdnadshavare
	RoleSystem    Role = "system"   // the service itself (culling, imports)
)

// Roles lists every role a person can hold, in a stable order.
var Roles = []Role{RoleAdmin, RolePrincipal, RoleMentor, RoleTeacher, RoleStudent, RoleGuardian}

// Valid reports whether r is a known role.
func (r Role) Valid() bool {
	switch r {
	case RoleAdmin, RolePrincipal, RoleMentor, RoleTeacher, RoleStudent, RoleGuardian, RoleSystem:
		return true
	}
	return false
}

// Actor is who issues a command. OnBehalfOf is set when an admin acts for
// someone else; the events then say so.
type Actor struct {
	Tenant     string `json:"tenant"`
	ID         string `json:"id"`
	Role       Role   `json:"role"`
	OnBehalfOf string `json:"on_behalf_of,omitempty"`
}

// Meta is what every command carries besides its own fields.
type Meta struct {
	Actor Actor
	// Now is the command's instant (UTC): one fixed clock reading per command,
	// never read deep inside the domain.
	Now time.Time
	// CorrelationID ties together everything one user action caused;
	// CausationID names the event or request that caused this command;
	// RequestID is the client's request or idempotency key. All optional.
	CorrelationID, CausationID, RequestID string
}

var idPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$`)

// ValidID reports whether s is an acceptable opaque id: 1-64 letters,
// digits, '-' or '_'. Ids appear in stream names and URLs, so a personal
// identity number must never be one; LooksLikePersonalNumber guards that.
func ValidID(s string) bool { return idPattern.MatchString(s) && !LooksLikePersonalNumber(s) }

var pnrPattern = regexp.MustCompile(`^(\d{2})?\d{6}[-+]?\d{4}$`)

// LooksLikePersonalNumber reports whether s has the shape of a Swedish
// personal identity or coordination number (ÅÅMMDD-NNNN, ÅÅÅÅMMDDNNNN, ...).
func LooksLikePersonalNumber(s string) bool { return pnrPattern.MatchString(strings.TrimSpace(s)) }

// CheckID returns an Invalid error for field when id is not a valid opaque id.
func CheckID(field, id string) error {
	if id == "" {
		return Invalid(field, "is required")
	}
	if LooksLikePersonalNumber(id) {
		return Invalid(field, "must be an opaque id, not a personal identity number")
	}
	if !ValidID(id) {
		return Invalid(field, "must be 1-64 letters, digits, '-' or '_'")
	}
	return nil
}

// StreamName builds the stream of one aggregate instance. The category comes
// first and ends at the first '-', as KurrentDB's category projections expect;
// the tenant is part of the name so no stream is shared across organisers.
func StreamName(category, tenant, id string) string {
	return category + "-" + tenant + "." + id
}
