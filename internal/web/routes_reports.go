package web

import (
	"net/http"

	"homeward/internal/authz"
	"homeward/internal/reports"
)

// reportHandlers serve the store dashboard and rescue operation progress: pages and JSON API.
type reportHandlers struct {
	*Server
	svc *reports.Service
}

// reportRoutes registers the routes of store reports.
func (s *Server) reportRoutes() {
	h := &reportHandlers{Server: s, svc: s.Reports}
	g := http.MethodGet
	s.handle(g, "/reports", h.dashboard, perm(authz.SectionReports, read))
	s.handle(g, "/reports/operations", h.operations, perm(authz.SectionReports, read))
	s.handle(g, "/api/v1/reports/dashboard", h.apiDashboard, perm(authz.SectionReports, read))
	s.handle(g, "/api/v1/reports/operations", h.apiOperations, perm(authz.SectionReports, read))
}
