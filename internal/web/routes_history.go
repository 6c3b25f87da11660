package web

import (
	"net/http"

	"homeward/internal/authz"
)

// historyRoutes registers a partner agency's history: what it received and what it answered.
func (s *Server) historyRoutes() {
	h := historyHandlers{s: s}
	g := http.MethodGet
	s.handle(g, "/history", h.list, perm(authz.SectionInbox, read))
	s.handle(g, "/history/:pid", h.one, perm(authz.SectionInbox, read))
	s.handle(g, "/api/v1/history", h.apiList, perm(authz.SectionInbox, read))
	s.handle(g, "/api/v1/history/:pid", h.apiOne, perm(authz.SectionInbox, read))
}
