package web

import (
	"errors"
	"log/slog"
	"strings"

	"github.com/labstack/echo/v4"

	"homeward/internal/health"
	"homeward/internal/locale"
)

// retryLater sets Retry-After on a 503 or 429 answer. A database that cannot be reached is reported
// to the outage tracker, which logs the outage once when it starts and once when it ends; the
// request itself logs at debug level only, so an outage is not one ERROR line per request.
func (s *Server) retryLater(c echo.Context, err error, code string) {
	after := unavailableRetryAfter
	var rl *retryLater
	if errors.As(err, &rl) {
		after = rl.after
	}
	c.Response().Header().Set("Retry-After", retryAfterSeconds(after))
	if code == "storage_unavailable" {
		slog.WarnContext(c.Request().Context(), "object store unavailable", "route", c.Path(), "err", err)
	}
	if code != "unavailable" {
		return
	}
	if s.Health != nil {
		s.Health.Failed()
	}
	slog.DebugContext(c.Request().Context(), "database unavailable", "route", c.Path(), "err", err)
}

// fallbackLocalizer is the language of an answer that failed before the request's language was
// chosen (the session could not be loaded): the lang cookie, else Accept-Language — never the
// session's setting, which may be what failed.
func (s *Server) fallbackLocalizer(c echo.Context) *locale.Localizer {
	cookie := ""
	if ck, err := c.Cookie("lang"); err == nil {
		cookie = ck.Value
	}
	return s.Bundle.For(locale.Negotiate("", cookie, c.Request().Header.Get("Accept-Language")), false, nil)
}

// notReadyBody is /readyz's 503 body: what does not answer, by name only ("KH", "object store"),
// never an address or an error text.
func notReadyBody(err error) string {
	if nr := (*health.NotReady)(nil); errors.As(err, &nr) {
		return "not ready: " + strings.Join(nr.Names(), ", ")
	}
	return "not ready"
}
