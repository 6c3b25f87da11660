package web

import (
	"net/http"

	"homeward/internal/authz"
)

// investigationRoutes registers the police investigation section of a case, the bare legal-status
// page of the other roles, and their JSON API.
func (s *Server) investigationRoutes() {
	h := investigationHandlers{s: s, svc: s.Investigation}
	g, p := http.MethodGet, http.MethodPost
	s.handle(g, "/cases/:id/investigation", h.page, perm(authz.SectionInvestigation, read))
	s.handle(p, "/cases/:id/investigation", h.save, perm(authz.SectionInvestigation, write))
	s.handle(g, "/cases/:id/legal-status", h.presence, perm(authz.SectionLegalStatus, read))
	s.handle(g, "/api/v1/cases/:id/investigation", h.apiGet, perm(authz.SectionInvestigation, read))
	s.handle(http.MethodPut, "/api/v1/cases/:id/investigation", h.apiPut, perm(authz.SectionInvestigation, write))
	s.handle(g, "/api/v1/cases/:id/legal-status", h.apiPresence, perm(authz.SectionLegalStatus, read))
}
