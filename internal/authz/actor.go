package authz

import (
	"errors"
	"fmt"
)

// ErrNotFound is the domain's not-found. A record or section the actor may
// not see is not found, never forbidden, so a refusal does not reveal that
// it exists. Other packages wrap it; test with errors.Is.
var ErrNotFound = errors.New("not found")

// Actor is who acts: a user under one active membership, loaded by the web
// middleware from the directory.
type Actor struct {
	UserID, Email, Name  string
	AgencyID, AgencySlug string
	// AgencyKind is police, social_welfare, embassy or ngo.
	AgencyKind string
	// Country is the store's country code ("TH", "KH"); "" for agencies
	// without a store (embassies, NGOs).
	Country string
	// Roles are the roles the user holds in the active agency.
	Roles []Role
	// Policy is the matrix, set by the middleware.
	Policy *Policy
}

// Can reports whether any of the actor's roles may take act on s. A nil
// actor or an actor without a Policy can do nothing.
func (a *Actor) Can(s Section, act Action) bool {
	if a == nil {
		return false
	}
	for _, r := range a.Roles {
		if a.Policy.Allowed(a.matrixRole(r), s, act) {
			return true
		}
	}
	return false
}

// matrixRole is the matrix row a membership role uses: a supervisor at a police agency is a
// police_supervisor.
func (a *Actor) matrixRole(r Role) Role {
	if r == RoleSupervisor && a.AgencyKind == "police" {
		return RolePoliceSupervisor
	}
	return r
}

// Require returns nil when the actor may take act on s, else an error
// wrapping ErrNotFound: a refused section is reported as not found.
func (a *Actor) Require(s Section, act Action) error {
	if a.Can(s, act) {
		return nil
	}
	return fmt.Errorf("authz: %s %s: %w", s, act, ErrNotFound)
}

// HasStore reports whether the actor's agency works in a country store.
// Embassies and NGOs have none: they see only packets addressed to them.
func (a *Actor) HasStore() bool {
	return a != nil && a.Country != ""
}
