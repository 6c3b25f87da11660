package web

import (
	"net/http"

	"homeward/internal/authz"
)

// auditRoutes registers the auditor's console (audit_console.go): the store's log with filters and
// a case's access history, the unusual access report, the hub's log of the country, the chain check
// and the CSV export; pages and the JSON API. Only the audit section (auditors) reaches them; every
// other role gets 404. Starting a chain check is a POST under the read right: it reads the log and
// changes no record (it keeps its result beside the log).
func (s *Server) auditRoutes() {
	h := &auditHandlers{s: s}
	g, p := http.MethodGet, http.MethodPost
	acc := perm(authz.SectionAudit, read)
	s.handle(g, "/audit", h.logPage, acc)
	s.handle(g, "/audit/case", h.casePage, acc)
	s.handle(g, "/audit/export.csv", h.export, acc)
	s.handle(g, "/audit/report", h.reportPage, acc)
	s.handle(g, "/audit/hub", h.hubPage, acc)
	s.handle(g, "/audit/chain", h.chainPage, acc)
	s.handle(p, "/audit/chain", h.verify, acc)
	s.handle(g, "/api/v1/audit", h.apiLog, acc)
	s.handle(g, "/api/v1/audit/export", h.export, acc)
	s.handle(g, "/api/v1/audit/report", h.apiReport, acc)
	s.handle(g, "/api/v1/audit/hub", h.apiHub, acc)
	s.handle(g, "/api/v1/audit/chain", h.apiChain, acc)
	s.handle(p, "/api/v1/audit/chain", h.apiVerify, acc)
}
