package auth

import (
	"fmt"
	"slices"
	"strings"
)

// Role is what a caller may do: one of the constants below, written as
// media.Actor.Role holds it.
type Role string

// The roles, from most to least able. Courier stands apart: it reaches
// one manifest and nothing else.
const (
	Admin    Role = "admin"
	Operator Role = "operator"
	Courier  Role = "courier"
	Auditor  Role = "auditor"
	Viewer   Role = "viewer"
)

// Roles are every role, in the order above.
var Roles = []Role{Admin, Operator, Courier, Auditor, Viewer}

// ParseRole returns the role named s, or an error naming the roles there
// are.
func ParseRole(s string) (Role, error) {
	r := Role(s)
	if slices.Contains(Roles, r) {
		return r, nil
	}
	names := make([]string, len(Roles))
	for i, r := range Roles {
		names[i] = string(r)
	}
	return "", fmt.Errorf("%w: role %q: use one of %s", ErrInvalid, s, strings.Join(names, ", "))
}

// Permits reports whether a caller in role have may use something that
// serves the roles in allowed. Admin may use everything; every other role
// only what names it.
func Permits(have Role, allowed []Role) bool {
	if have == Admin {
		return true
	}
	return slices.Contains(allowed, have)
}

// Describe words allowed for a refusal: "operator or auditor".
func Describe(allowed []Role) string {
	names := []string{}
	for _, r := range allowed {
		if r != Admin {
			names = append(names, string(r))
		}
	}
	names = append(names, string(Admin))
	if len(names) == 1 {
		return names[0]
	}
	return strings.Join(names[:len(names)-1], ", ") + " or " + names[len(names)-1]
}

// CanGrant reports whether an account in role account may hold an API
// token in role token: its own role, or a role that only reads (auditor,
// viewer) when it can read at least as much. An admin account may hold
// any account role.
func CanGrant(account, token Role) bool {
	switch {
	case token == Courier:
		return false
	case account == Admin || account == token:
		return true
	case token == Viewer:
		return true
	}
	return false
}
