package web

import (
	"errors"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"homeward/internal/mfa"
)

// Passkey ceremonies: web/static/webauthn.js posts JSON (with the CSRF header) to a begin route,
// which answers the options for navigator.credentials and keeps the ceremony's state in the
// server-side session, then posts the browser's answer to the finish route, which answers
// {"redirect": PATH} or an error body.

type passkeyDone struct {
	Redirect string `json:"redirect"`
}

func jsonRefused(c echo.Context, status int, code, msg string) error {
	return c.JSON(status, apiError{Error: apiErrorBody{Code: code, Message: msg}})
}

// passkeyBegin starts an assertion with the user's passkeys.
func (s *Server) passkeyBegin(c echo.Context, userID string) error {
	ctx := c.Request().Context()
	opts, state, err := s.MFA.BeginPasskeyLogin(ctx, userID)
	if errors.Is(err, mfa.ErrPasskey) {
		return jsonRefused(c, http.StatusUnprocessableEntity, "invalid", localizerOf(c).T("mfa.passkey_refused"))
	}
	if err != nil {
		return err
	}
	s.sessions.Put(ctx, sessCeremony, state)
	return c.JSONBlob(http.StatusOK, opts)
}

// passkeyFinish verifies an assertion under the sign-in throttle; a refusal answers 401.
func (s *Server) passkeyFinish(c echo.Context, userID, email, purpose string) (bool, error) {
	ctx := c.Request().Context()
	state := s.sessions.PopBytes(ctx, sessCeremony)
	err := s.secondFactor(c, email, func() error {
		return s.MFA.FinishPasskeyLogin(ctx, userID, state, c.Request().Body, purpose)
	})
	if err != nil {
		if msg := factorMessage(c, err); msg != "" {
			return false, jsonRefused(c, http.StatusUnauthorized, "unauthenticated", msg)
		}
		return false, err
	}
	return true, nil
}

func (s *Server) loginPasskeyBegin(c echo.Context) error {
	uid, ok := s.pendingUser(c)
	if !ok {
		return errUnauthenticated
	}
	return s.passkeyBegin(c, uid)
}

func (s *Server) loginPasskeyFinish(c echo.Context) error {
	ctx := c.Request().Context()
	uid, ok := s.pendingUser(c)
	if !ok {
		return errUnauthenticated
	}
	u, err := s.Directory.User(ctx, uid)
	if err != nil {
		return err
	}
	if ok, err := s.passkeyFinish(c, uid, u.Email, "signin"); !ok {
		return err
	}
	if err := s.startSession(c, u, true); err != nil {
		if errors.Is(err, errSignInRefused) {
			return jsonRefused(c, http.StatusUnauthorized, "unauthenticated", localizerOf(c).T("login.failed"))
		}
		return err
	}
	return c.JSON(http.StatusOK, passkeyDone{Redirect: "/"})
}

func (s *Server) stepUpPasskeyBegin(c echo.Context) error {
	return s.passkeyBegin(c, actorOf(c).UserID)
}

func (s *Server) stepUpPasskeyFinish(c echo.Context) error {
	a := actorOf(c)
	if ok, err := s.passkeyFinish(c, a.UserID, a.Email, "step_up"); !ok {
		return err
	}
	s.sessions.Put(c.Request().Context(), sessMFAAt, time.Now().Unix())
	return c.JSON(http.StatusOK, passkeyDone{Redirect: safeNext(c.QueryParam("next"))})
}

// mayAddFactor: the first factor needs nothing more; another one needs a fresh second factor, so
// that a stolen session cannot add its own.
func (s *Server) mayAddFactor(c echo.Context, st *mfa.Status) bool {
	return !st.Enrolled || s.mfaFresh(c)
}

func (s *Server) mfaPasskeyRegisterBegin(c echo.Context) error {
	ctx := c.Request().Context()
	a := actorOf(c)
	st, err := s.MFA.StatusOf(ctx, a.UserID)
	if err != nil {
		return err
	}
	if !s.mayAddFactor(c, st) {
		return jsonRefused(c, http.StatusForbidden, "forbidden", localizerOf(c).T("mfa.stepup_needed"))
	}
	opts, state, err := s.MFA.BeginPasskeyRegistration(ctx, a.UserID)
	if err != nil {
		return err
	}
	s.sessions.Put(ctx, sessCeremony, state)
	return c.JSONBlob(http.StatusOK, opts)
}

func (s *Server) mfaPasskeyRegisterFinish(c echo.Context) error {
	ctx := c.Request().Context()
	a := actorOf(c)
	state := s.sessions.PopBytes(ctx, sessCeremony)
	err := s.MFA.FinishPasskeyRegistration(ctx, a.UserID, state, c.Request().Body, c.QueryParam("name"))
	if errors.Is(err, mfa.ErrPasskey) {
		return jsonRefused(c, http.StatusUnprocessableEntity, "invalid", localizerOf(c).T("mfa.passkey_failed"))
	}
	if err != nil {
		return err
	}
	// Registering proved the new passkey: the session has a fresh second factor.
	s.sessions.Put(ctx, sessMFAAt, time.Now().Unix())
	return c.JSON(http.StatusOK, passkeyDone{Redirect: "/settings/mfa"})
}
