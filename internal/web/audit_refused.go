package web

import (
	"log/slog"
	"strings"

	"github.com/labstack/echo/v4"
)

// recordRefused writes an access.refused row in the store of a signed-in store user who got a 404
// on a case route (a case of another agency or store, a section their role lacks, or no such
// case). The answer stays the same 404; the row names the route pattern and the id asked for, and
// auditlog caps the rows per user. Other 404s (unknown paths, users without a store) write nothing.
func (s *Server) recordRefused(c echo.Context) {
	a, route := actorOf(c), c.Path()
	if a == nil || !a.HasStore() || !(strings.HasPrefix(route, "/cases/:id") || strings.HasPrefix(route, "/api/v1/cases/:id")) {
		return
	}
	if err := s.Audit.RecordRefused(c.Request().Context(), a, route, c.Param("id")); err != nil {
		slog.Error("record refused access", "err", err)
	}
}
