package web

import (
	"net/http"

	"homeward/internal/authz"
)

// repatriationRoutes registers the repatriation section of a case, requests to embassies and the
// overdue steps of the supervisor's agency, with their JSON API.
func (s *Server) repatriationRoutes() {
	h := repatriationHandlers{s: s, svc: s.Repatriation}
	g, p := http.MethodGet, http.MethodPost
	s.handle(g, "/cases/:id/repatriation", h.page, perm(authz.SectionRepatriation, read))
	s.handle(p, "/cases/:id/repatriation", h.save, perm(authz.SectionRepatriation, write))
	s.handle(p, "/cases/:id/repatriation/request", h.request, perm(authz.SectionRepatriation, write))
	s.handle(g, "/repatriation/overdue", h.overdue, perm(authz.SectionOverdue, authz.ActionRead))
	s.handle(g, "/api/v1/cases/:id/repatriation", h.apiGet, perm(authz.SectionRepatriation, read))
	s.handle(http.MethodPut, "/api/v1/cases/:id/repatriation", h.apiPut, perm(authz.SectionRepatriation, write))
	s.handle(p, "/api/v1/cases/:id/repatriation/request", h.apiRequest, perm(authz.SectionRepatriation, write))
	s.handle(g, "/api/v1/repatriation/overdue", h.apiOverdue, perm(authz.SectionOverdue, authz.ActionRead))
}
