package web

import (
	"errors"
	"net/http"
	"net/url"
	"time"

	"github.com/labstack/echo/v4"

	"homeward/internal/directory"
	"homeward/internal/mfa"
)

// errSignInRefused is a sign-in that passed its factors but whose user has no usable membership.
var errSignInRefused = errors.New("sign-in refused")

// startSession signs u in on this browser: whoever was signed in here is signed out first (nothing
// of their session is kept), the session gets a new token and its user_sessions row, and carries
// the user, the agency, the language and, when the sign-in proved a second factor, when.
func (s *Server) startSession(c echo.Context, u *directory.User, provedMFA bool) error {
	ctx := c.Request().Context()
	a, err := s.Directory.Actor(ctx, u.ID, "")
	if err != nil {
		return errSignInRefused
	}
	if prev := s.sessions.GetString(ctx, sessUser); prev != "" {
		if err := s.Directory.SignOutSession(ctx, prev, s.sessions.GetString(ctx, sessAgency), s.sessions.GetString(ctx, sessSID)); err != nil {
			return err
		}
	}
	if err := s.sessions.Clear(ctx); err != nil {
		return err
	}
	if err := s.sessions.RenewToken(ctx); err != nil {
		return err
	}
	sid, err := s.Directory.StartSession(ctx, u.ID, a.AgencyID, c.Request().UserAgent(), c.RealIP())
	if err != nil {
		return err
	}
	s.sessions.Put(ctx, sessUser, u.ID)
	s.sessions.Put(ctx, sessAgency, a.AgencyID)
	s.sessions.Put(ctx, sessLang, u.Locale)
	s.sessions.Put(ctx, sessBE, u.BuddhistEra)
	s.sessions.Put(ctx, sessSID, sid)
	s.rememberSession(c, sid) // resume.go
	if provedMFA {
		s.sessions.Put(ctx, sessMFAAt, time.Now().Unix())
	}
	return nil
}

type mfaVerifyPage struct {
	Base
	StepUp        bool
	Action        string // where the code form posts; the passkey routes are under it
	PasskeyFinish string
	Next          string
	HasCode       bool // a TOTP secret or unused recovery codes
	HasPasskey    bool
	Error         string
}

// Errors links a refused code to the code field (the page has one only when HasCode).
func (p mfaVerifyPage) Errors() map[string]string {
	if !p.HasCode {
		return nil
	}
	return formError("code", p.Error)
}

func (s *Server) verifyPage(c echo.Context, userID string, stepUp bool, next string) (mfaVerifyPage, error) {
	st, err := s.MFA.StatusOf(c.Request().Context(), userID)
	if err != nil {
		return mfaVerifyPage{}, err
	}
	p := mfaVerifyPage{Base: s.base(c), StepUp: stepUp, Action: "/login/mfa", HasCode: st.TOTP || st.RecoveryLeft > 0,
		HasPasskey: len(st.Passkeys) > 0}
	p.PasskeyFinish = p.Action + "/passkey/finish"
	if stepUp {
		p.Action, p.Next = "/mfa/verify", safeNext(next)
		p.PasskeyFinish = p.Action + "/passkey/finish?next=" + url.QueryEscape(p.Next)
	}
	return p, nil
}

// secondFactor runs check under the sign-in throttle of the user's account and the client's
// address: refused while either must wait, and a refused factor counts as a failed sign-in.
func (s *Server) secondFactor(c echo.Context, email string, check func() error) error {
	ctx := c.Request().Context()
	if err := s.Directory.CheckSecondStep(ctx, email, c.RealIP()); err != nil {
		return err
	}
	if err := check(); err != nil {
		if mfa.IsRefused(err) {
			if ferr := s.Directory.SecondStepFailed(ctx, email, c.RealIP()); ferr != nil {
				return ferr
			}
		}
		return err
	}
	return s.Directory.SecondStepPassed(ctx, email)
}

// factorMessage is the message of a refused second factor, or "" for a failure of the system.
func factorMessage(c echo.Context, err error) string {
	l := localizerOf(c)
	switch {
	case errors.Is(err, directory.ErrThrottled):
		return l.T("login.throttled")
	case errors.Is(err, mfa.ErrPasskey):
		return l.T("mfa.passkey_refused")
	case errors.Is(err, mfa.ErrBadCode):
		return l.T("mfa.code_wrong")
	}
	return ""
}

func (s *Server) loginMFAForm(c echo.Context) error {
	if actorOf(c) != nil {
		return redirect(c, "/")
	}
	uid, ok := s.pendingUser(c)
	if !ok {
		return redirect(c, "/login")
	}
	p, err := s.verifyPage(c, uid, false, "")
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, "mfa_verify", p)
}

func (s *Server) loginMFA(c echo.Context) error {
	ctx := c.Request().Context()
	uid, ok := s.pendingUser(c)
	if !ok {
		return redirect(c, "/login")
	}
	u, err := s.Directory.User(ctx, uid)
	if err != nil {
		return err
	}
	err = s.secondFactor(c, u.Email, func() error { return s.MFA.Verify(ctx, uid, c.FormValue("code"), "signin") })
	next := nextAfterSignIn(s.sessions.GetString(ctx, sessSignInNext)) // resume.go; startSession clears it
	if err == nil {
		err = s.startSession(c, u, true)
	}
	if err != nil {
		msg := factorMessage(c, err)
		if errors.Is(err, errSignInRefused) {
			msg = localizerOf(c).T("login.failed")
		}
		if msg == "" {
			return err
		}
		p, perr := s.verifyPage(c, uid, false, "")
		if perr != nil {
			return perr
		}
		p.Error = msg
		return s.render(c, http.StatusUnauthorized, "mfa_verify", p)
	}
	return redirect(c, next)
}

func (s *Server) stepUpForm(c echo.Context) error {
	p, err := s.verifyPage(c, actorOf(c).UserID, true, c.QueryParam("next"))
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, "mfa_verify", p)
}

func (s *Server) stepUp(c echo.Context) error {
	ctx := c.Request().Context()
	a := actorOf(c)
	err := s.secondFactor(c, a.Email, func() error { return s.MFA.Verify(ctx, a.UserID, c.FormValue("code"), "step_up") })
	if err != nil {
		msg := factorMessage(c, err)
		if msg == "" {
			return err
		}
		p, perr := s.verifyPage(c, a.UserID, true, c.FormValue("next"))
		if perr != nil {
			return perr
		}
		p.Error = msg
		return s.render(c, http.StatusUnauthorized, "mfa_verify", p)
	}
	s.sessions.Put(ctx, sessMFAAt, time.Now().Unix())
	return redirect(c, safeNext(c.FormValue("next")))
}
