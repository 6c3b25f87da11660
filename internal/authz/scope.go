package authz

import (
	"fmt"
	"regexp"
)

// Scope is the row scope that every store query applies: the store's country
// and the acting agency. It is built only by ScopeFor.
type Scope struct {
	Country  string
	AgencyID string
}

// ScopeFor builds the row scope of the actor. It returns an error wrapping
// ErrNotFound when the actor has no store (embassy, NGO) or no agency.
func ScopeFor(a *Actor) (Scope, error) {
	if !a.HasStore() {
		return Scope{}, fmt.Errorf("authz: actor has no store: %w", ErrNotFound)
	}
	if a.AgencyID == "" {
		return Scope{}, fmt.Errorf("authz: actor has no agency: %w", ErrNotFound)
	}
	return Scope{Country: a.Country, AgencyID: a.AgencyID}, nil
}

// aliasPattern is a plain SQL identifier; the alias is written into SQL.
var aliasPattern = regexp.MustCompile(`^[a-z_][a-z0-9_]*$`)

// CaseFilter returns the SQL condition and its arguments that restrict a
// query on the cases table, aliased alias, to the cases the scope may see:
// those its agency owns and those whose case team includes its agency.
// Use it as db.Where(cond, args...). The alias is a constant in code; an
// alias that is not a plain identifier, or "ct" (the case-team alias inside
// the condition), is a programming error and panics.
func (s Scope) CaseFilter(alias string) (string, []any) {
	if !aliasPattern.MatchString(alias) || alias == "ct" {
		panic(fmt.Sprintf("authz: CaseFilter: invalid table alias %q", alias))
	}
	cond := "(" + alias + ".owner_agency_id = ? OR EXISTS (SELECT 1 FROM case_team ct WHERE ct.case_id = " +
		alias + ".id AND ct.agency_id = ?))"
	return cond, []any{s.AgencyID, s.AgencyID}
}
