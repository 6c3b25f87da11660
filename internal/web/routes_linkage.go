package web

import (
	"net/http"

	"homeward/internal/authz"
)

// linkageRoutes registers record linkage across the border (issue 15, linkage.go): the list of
// possible matches in the other country for supervisors who may merge persons, their answers,
// and the override of an objection to home-country notice.
func (s *Server) linkageRoutes() {
	g, p := http.MethodGet, http.MethodPost
	merge := perm(authz.SectionPersons, authz.ActionMerge)
	override := perm(authz.SectionPersons, authz.ActionOverride)
	s.handle(g, "/linkage", s.linkageList, merge)
	s.handle(p, "/linkage/:id/not-same", s.linkageNotSame, merge)
	s.handle(p, "/linkage/:id/ask", s.linkageAsk, merge)
	s.handle(p, "/cases/:id/linkage-override", s.linkageOverride, override)

	s.handle(g, "/api/v1/linkage/candidates", s.apiLinkageList, merge)
	s.handle(p, "/api/v1/linkage/candidates/:id/not-same", s.apiLinkageNotSame, merge)
	s.handle(p, "/api/v1/linkage/candidates/:id/ask", s.apiLinkageAsk, merge)
	s.handle(p, "/api/v1/cases/:id/linkage-override", s.apiLinkageOverride, override)
}
