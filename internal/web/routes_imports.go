package web

import (
	"net/http"

	"homeward/internal/authz"
)

// importRoutes registers the bulk intake: the import page of a rescue operation, its JSON API and the
// downloadable templates. Uploads get their own body limit (importBodyLimit), applied before any route
// middleware reads the form; the global 1 MiB limit skips them (isImport).
func (s *Server) importRoutes() {
	h := &importHandlers{s: s, svc: s.Imports}
	g, p := http.MethodGet, http.MethodPost
	s.handle(g, importPage, h.form, perm(authz.SectionOperations, write))
	s.handle(p, importPage, h.upload, perm(authz.SectionOperations, write))
	s.handle(p, importCommitPage, h.commit, perm(authz.SectionOperations, write))
	s.handle(g, importWarnCSV, h.warningsCSV, perm(authz.SectionOperations, write))
	s.handle(p, importAPI, h.apiImport, perm(authz.SectionOperations, write))
	s.handle(p, importCommitAPI, h.apiCommit, perm(authz.SectionOperations, write))
	s.handle(g, "/imports/template.csv", h.templateCSV, perm(authz.SectionOperations, read))
	s.handle(g, "/imports/template.xlsx", h.templateXLSX, perm(authz.SectionOperations, read))
	s.echo.Use(importBodyLimit)
}
