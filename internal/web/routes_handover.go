package web

import (
	"net/http"

	"homeward/internal/authz"
)

// handoverRoutes registers handover batches at the border and their printed record.
func (s *Server) handoverRoutes() {
	h := handoverHandlers{s: s, svc: s.Handover}
	g, p := http.MethodGet, http.MethodPost
	approve := perm(authz.SectionPackets, authz.ActionApprove)
	s.handle(g, "/handover/batches", h.list, perm(authz.SectionRepatriation, read))
	s.handle(g, "/handover/batches/new", h.form, perm(authz.SectionRepatriation, write))
	s.handle(p, "/handover/batches", h.create, perm(authz.SectionRepatriation, write))
	s.handle(g, "/handover/batches/:id", h.page, perm(authz.SectionRepatriation, read))
	s.handle(p, "/handover/batches/:id/approve", h.approve, approve)
	s.handle(p, "/handover/batches/:id/accept", h.accept, perm(authz.SectionInbox, write))
	s.handle(g, "/handover/batches/:id/record", h.record, perm(authz.SectionRepatriation, read))

	s.handle(g, "/api/v1/handover/batches", h.apiList, perm(authz.SectionRepatriation, read))
	s.handle(p, "/api/v1/handover/batches", h.apiCreate, perm(authz.SectionRepatriation, write))
	s.handle(g, "/api/v1/handover/batches/:id", h.apiGet, perm(authz.SectionRepatriation, read))
	s.handle(p, "/api/v1/handover/batches/:id/approve", h.apiApprove, approve)
	s.handle(p, "/api/v1/handover/batches/:id/accept", h.apiAccept, perm(authz.SectionInbox, write))
}
