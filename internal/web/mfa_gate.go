package web

import (
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
)

// Session keys of the second step.
const (
	// sessPending is the user id of a sign-in whose password passed and whose second factor has
	// not yet; sessPendingAt is when (unix seconds) the password passed.
	sessPending   = "mfa_pending_user"
	sessPendingAt = "mfa_pending_at"
	// sessCeremony is the state of a passkey ceremony under way (go-webauthn's session data, JSON).
	sessCeremony = "webauthn_ceremony"
)

// pendingFor is how long a pending sign-in waits for its second factor.
const pendingFor = 5 * time.Minute

// mfaGate keeps a signed-in user who must enrol a second factor (a role of config.MFARoles, no
// factor, not a demo user) on the MFA setup pages: every other page redirects to /settings/mfa.
// API bearer tokens are not gated: a token cannot be created without a fresh second factor, and
// one that exists (made by an admin with `homeward token create`) keeps working.
func (s *Server) mfaGate(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		a := actorOf(c)
		if a == nil || gateOpen(c.Path()) {
			return next(c)
		}
		g, err := s.MFA.GateOf(c.Request().Context(), a.UserID)
		if err != nil {
			return err
		}
		if g.MustEnrol() {
			return c.Redirect(http.StatusSeeOther, "/settings/mfa")
		}
		return next(c)
	}
}

// gateOpen lists the routes a user who must enrol may reach: MFA setup and what it needs.
func gateOpen(route string) bool {
	switch route {
	case "/logout", "/language", "/login", "/login/mfa":
		return true
	}
	return strings.HasPrefix(route, "/settings/mfa") || strings.HasPrefix(route, "/login/mfa/")
}

// pendingUser returns the user of the session's pending sign-in, forgetting one older than pendingFor.
func (s *Server) pendingUser(c echo.Context) (string, bool) {
	ctx := c.Request().Context()
	uid := s.sessions.GetString(ctx, sessPending)
	if uid == "" {
		return "", false
	}
	if time.Since(time.Unix(s.sessions.GetInt64(ctx, sessPendingAt), 0)) > pendingFor {
		s.sessions.Remove(ctx, sessPending)
		s.sessions.Remove(ctx, sessPendingAt)
		return "", false
	}
	return uid, true
}
