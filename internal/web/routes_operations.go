package web

import (
	"net/http"

	"homeward/internal/authz"
	"homeward/internal/operations"
)

// operationHandlers serve the rescue operations: pages and JSON API.
type operationHandlers struct {
	*Server
	svc *operations.Service
}

// operationRoutes registers the routes of rescue operations.
func (s *Server) operationRoutes() {
	h := &operationHandlers{Server: s, svc: s.Operations}
	g, p := http.MethodGet, http.MethodPost
	s.handle(g, "/operations", h.list, perm(authz.SectionOperations, read))
	s.handle(g, "/operations/new", h.form, perm(authz.SectionOperations, write))
	s.handle(p, "/operations", h.create, perm(authz.SectionOperations, write))
	s.handle(g, "/operations/:id", h.view, perm(authz.SectionOperations, read))

	s.handle(g, "/api/v1/operations", h.apiList, perm(authz.SectionOperations, read))
	s.handle(p, "/api/v1/operations", h.apiCreate, perm(authz.SectionOperations, write))
	s.handle(g, "/api/v1/operations/:id", h.apiGet, perm(authz.SectionOperations, read))
}
