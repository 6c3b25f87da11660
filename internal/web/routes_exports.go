package web

import (
	"net/http"

	"homeward/internal/authz"
	"homeward/internal/exports"
)

// exportRoutes registers the exports: the filtered case list as CSV or XLSX and the de-identified
// HTCDS dataset, each for supervisors only (the exports section), as pages' downloads and in the API.
func (s *Server) exportRoutes() {
	h := &exportHandlers{s: s, svc: s.Exports}
	g := http.MethodGet
	acc := perm(authz.SectionExports, read)
	s.handle(g, "/cases/export.csv", h.caseList(exports.FormatCSV), acc)
	s.handle(g, "/cases/export.xlsx", h.caseList(exports.FormatXLSX), acc)
	s.handle(g, "/api/v1/cases/export", h.apiCaseList, acc)
	s.handle(g, "/reports/htcds.csv", h.htcds(exports.FormatCSV), acc)
	s.handle(g, "/reports/htcds.xlsx", h.htcds(exports.FormatXLSX), acc)
	s.handle(g, "/api/v1/reports/htcds", h.apiHTCDS, acc)
}
