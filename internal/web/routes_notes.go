package web

import (
	"net/http"

	"homeward/internal/authz"
)

// noteRoutes registers the notes of a case: the page (list, add form, edit form), and the JSON API.
// The routes need the general notes section; each class is then gated by its own section.
func (s *Server) noteRoutes() {
	h := noteHandlers{s: s, svc: s.Notes}
	g, p := http.MethodGet, http.MethodPost
	s.handle(g, "/cases/:id/notes", h.page, perm(authz.SectionNotes, read))
	s.handle(p, "/cases/:id/notes", h.add, perm(authz.SectionNotes, write))
	s.handle(p, "/cases/:id/notes/:nid", h.update, perm(authz.SectionNotes, write))
	s.handle(g, "/api/v1/cases/:id/notes", h.apiList, perm(authz.SectionNotes, read))
	s.handle(p, "/api/v1/cases/:id/notes", h.apiAdd, perm(authz.SectionNotes, write))
	s.handle(http.MethodPut, "/api/v1/notes/:nid", h.apiUpdate, perm(authz.SectionNotes, write))
}
