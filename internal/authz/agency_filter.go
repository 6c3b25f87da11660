package authz

import "fmt"

// AgencyFilter returns the SQL condition and its arguments that restrict a summary table keyed by
// agency, aliased alias, to the rows of the scope's agency: the counts of the cases it owns or is
// on the team of (the summary is kept per visible agency, so these are the cases CaseFilter
// gives). The alias is a constant in code; one that is not a plain identifier panics.
func (s Scope) AgencyFilter(alias string) (string, []any) {
	if !aliasPattern.MatchString(alias) {
		panic(fmt.Sprintf("authz: AgencyFilter: invalid table alias %q", alias))
	}
	return alias + ".agency_id = ?", []any{s.AgencyID}
}
