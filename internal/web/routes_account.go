package web

import (
	"net/http"

	"homeward/internal/authz"
)

// accountRoutes are a person's own account: enrolment by one-time link, the password, API tokens
// and signed-in sessions (account_*.go).
func (s *Server) accountRoutes() {
	g, p := http.MethodGet, http.MethodPost
	self := func(a authz.Action) Access { return perm(authz.SectionSelf, a) }

	s.handle(g, "/enrol/:token", s.enrolForm, public)
	s.handle(p, "/enrol/:token", s.enrol, public)
	s.handle(g, "/settings/password", s.passwordForm, self(read))
	s.handle(p, "/settings/password", s.changePassword, self(write))

	s.handle(g, "/settings/tokens", s.tokensPage, self(read))
	s.handle(p, "/settings/tokens", s.createToken, self(write))
	s.handle(g, "/settings/tokens/:id/revoke", s.revokeTokenForm, self(read))
	s.handle(p, "/settings/tokens/:id/revoke", s.revokeToken, self(write))

	s.handle(g, "/settings/sessions", s.sessionsPage, self(read))
	s.handle(g, "/settings/sessions/:id/end", s.endSessionForm, self(read))
	s.handle(p, "/settings/sessions/:id/end", s.endSession, self(write))
	s.handle(g, "/settings/sessions/end-others", s.endOtherSessionsForm, self(read))
	s.handle(p, "/settings/sessions/end-others", s.endOtherSessions, self(write))

	s.handle(g, "/api/v1/me/tokens", s.apiTokens, self(read))
	s.handle(p, "/api/v1/me/tokens", s.apiCreateToken, self(write))
	s.handle(http.MethodDelete, "/api/v1/me/tokens/:id", s.apiRevokeToken, self(write))
}
