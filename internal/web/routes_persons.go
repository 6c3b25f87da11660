package web

import (
	"net/http"

	"homeward/internal/authz"
)

// personRoutes registers the routes of persons beyond intake (routes.go): possible duplicates,
// opening a case for an existing person, and merging two persons (supervisors).
func (s *Server) personRoutes() {
	p := http.MethodPost
	s.handle(p, "/cases/:id/merge", s.caseMerge, perm(authz.SectionPersons, authz.ActionMerge))

	s.handle(p, "/api/v1/persons/duplicates", s.apiDuplicates, perm(authz.SectionCases, write))
	s.handle(p, "/api/v1/persons/:id/cases", s.apiLinkCase, perm(authz.SectionCases, write))
	s.handle(p, "/api/v1/persons/:id/merge", s.apiMerge, perm(authz.SectionPersons, authz.ActionMerge))
}
