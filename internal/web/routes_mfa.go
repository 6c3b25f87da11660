package web

import (
	"net/http"

	"homeward/internal/authz"
)

// mfaRoutes are the second factors: their settings, the second step of sign-in and the step-up
// page (mfa_settings.go, mfa_signin.go). The gate (mfa_gate.go) keeps a user who must enrol a
// factor on these pages.
func (s *Server) mfaRoutes() {
	g, p := http.MethodGet, http.MethodPost
	self := func(a authz.Action) Access { return perm(authz.SectionSelf, a) }

	s.handle(g, "/settings/mfa", s.mfaSettings, self(read))
	s.handle(p, "/settings/mfa/totp", s.mfaTOTPBegin, self(write))
	s.handle(p, "/settings/mfa/totp/confirm", s.mfaTOTPConfirm, self(write))
	s.handle(p, "/settings/mfa/recovery", s.mfaRecoveryRegenerate, self(write))
	s.handle(p, "/settings/mfa/passkeys/begin", s.mfaPasskeyRegisterBegin, self(write))
	s.handle(p, "/settings/mfa/passkeys/finish", s.mfaPasskeyRegisterFinish, self(write))
	s.handle(p, "/settings/mfa/passkeys/:id/delete", s.mfaPasskeyRemove, self(write))

	// The second step of sign-in: public, it works on the pending sign-in kept in the session.
	s.handle(g, "/login/mfa", s.loginMFAForm, public)
	s.handle(p, "/login/mfa", s.loginMFA, public)
	s.handle(p, "/login/mfa/passkey/begin", s.loginPasskeyBegin, public)
	s.handle(p, "/login/mfa/passkey/finish", s.loginPasskeyFinish, public)

	// Step-up: a signed-in user proves a factor again before a sensitive setting.
	s.handle(g, "/mfa/verify", s.stepUpForm, self(read))
	s.handle(p, "/mfa/verify", s.stepUp, self(write))
	s.handle(p, "/mfa/verify/passkey/begin", s.stepUpPasskeyBegin, self(write))
	s.handle(p, "/mfa/verify/passkey/finish", s.stepUpPasskeyFinish, self(write))

	s.handle(g, "/api/v1/me/mfa", s.apiMFAStatus, self(read))
}
