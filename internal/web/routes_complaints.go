package web

import (
	"net/http"

	"homeward/internal/authz"
)

const complaintSection = authz.SectionReports

// complaintRoutes registers the scam complaint trends (reports read) and their import (reports
// write). Uploads get their own 5 MB body limit (complaintBodyLimit), applied before any route
// middleware reads the form; the global 1 MiB limit skips them (isComplaintImport in server.go).
func (s *Server) complaintRoutes() {
	h := &complaintHandlers{s: s, svc: s.Complaints}
	g, p := http.MethodGet, http.MethodPost
	s.handle(g, complaintsPage, h.trends, perm(complaintSection, read))
	s.handle(g, complaintImportPage, h.importForm, perm(complaintSection, write))
	s.handle(p, complaintImportPage, h.importUpload, perm(complaintSection, write))
	s.handle(g, complaintsAPI, h.apiTrends, perm(complaintSection, read))
	s.handle(p, complaintImportAPI, h.apiImport, perm(complaintSection, write))
	s.echo.Use(complaintBodyLimit)
}
