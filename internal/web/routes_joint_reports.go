package web

import (
	"net/http"

	"homeward/internal/authz"
)

// jointReportRoutes registers the joint report of both stores: the page, its printable bilingual
// form, CSV and the JSON API, for whoever may read reports in a country store.
func (s *Server) jointReportRoutes() {
	h := &jointHandlers{Server: s, svc: s.JointReport}
	g := http.MethodGet
	s.handle(g, "/reports/joint", h.page, perm(authz.SectionReports, read))
	s.handle(g, "/reports/joint/print", h.print, perm(authz.SectionReports, read))
	s.handle(g, "/reports/joint.csv", h.csv, perm(authz.SectionReports, read))
	s.handle(g, "/api/v1/reports/joint", h.api, perm(authz.SectionReports, read))
}
