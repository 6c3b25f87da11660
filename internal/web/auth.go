package web

import (
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"homeward/internal/directory"
	"homeward/internal/locale"
)

type loginPage struct {
	Base
	Email string
	Error string
	Next  string // where to go after signing in (resume.go)
}

// Errors links a refused sign-in's one message to the password field. It stays as vague as the
// message: the email field is marked too, never told apart (no user enumeration).
func (p loginPage) Errors() map[string]string { return formError("password", p.Error) }

func (s *Server) loginForm(c echo.Context) error {
	if actorOf(c) != nil {
		return redirect(c, nextAfterSignIn(c.QueryParam("next")))
	}
	return s.render(c, http.StatusOK, "login", loginPage{Base: s.base(c), Next: nextAfterSignIn(c.QueryParam("next"))})
}

func (s *Server) login(c echo.Context) error {
	ctx := c.Request().Context()
	email := strings.TrimSpace(c.FormValue("email"))
	u, err := s.Directory.SignIn(ctx, email, c.FormValue("password"), c.RealIP())
	if err != nil {
		page := loginPage{Base: s.base(c), Email: email, Next: nextAfterSignIn(c.FormValue("next"))}
		switch {
		case errors.Is(err, directory.ErrThrottled):
			page.Error = page.L.T("login.throttled")
		case errors.Is(err, directory.ErrBadCredentials):
			page.Error = page.L.T("login.failed")
		default:
			return err
		}
		return s.render(c, http.StatusUnauthorized, "login", page)
	}
	gate, err := s.MFA.GateOf(ctx, u.ID)
	if err != nil {
		return err
	}
	if gate.SecondStep() {
		// The password passed; the session waits for the second factor (mfa_signin.go).
		if err := s.sessions.RenewToken(ctx); err != nil {
			return err
		}
		s.sessions.Put(ctx, sessPending, u.ID)
		s.sessions.Put(ctx, sessPendingAt, time.Now().Unix())
		s.sessions.Put(ctx, sessSignInNext, nextAfterSignIn(c.FormValue("next")))
		return redirect(c, "/login/mfa")
	}
	// No factor yet: signed in; a user who must enrol one reaches only MFA setup (mfa_gate.go).
	if err := s.startSession(c, u, false); err != nil {
		if errors.Is(err, errSignInRefused) {
			return s.render(c, http.StatusUnauthorized, "login", loginPage{Base: s.base(c), Email: email, Error: localizerOf(c).T("login.failed")})
		}
		return err
	}
	return redirect(c, nextAfterSignIn(c.FormValue("next")))
}

func (s *Server) logout(c echo.Context) error {
	ctx := c.Request().Context()
	a := actorOf(c)
	if err := s.Directory.SignOutSession(ctx, a.UserID, a.AgencyID, s.sessions.GetString(ctx, sessSID)); err != nil {
		return err
	}
	if err := s.sessions.Destroy(ctx); err != nil {
		return err
	}
	return redirect(c, "/login")
}

// setLanguage switches the language: the cookie for everyone, and the user's setting when signed in.
func (s *Server) setLanguage(c echo.Context) error {
	lang := c.FormValue("lang")
	if !supported(lang) {
		return redirect(c, safeNext(c.FormValue("next")))
	}
	c.SetCookie(&http.Cookie{Name: "lang", Value: lang, Path: "/", MaxAge: 365 * 24 * 3600,
		HttpOnly: true, Secure: s.CookieSecure, SameSite: http.SameSiteLaxMode})
	if a := actorOf(c); a != nil {
		ctx := c.Request().Context()
		be := s.sessions.GetBool(ctx, sessBE)
		if err := s.Directory.SetPreferences(ctx, a, lang, be); err != nil {
			return err
		}
		s.sessions.Put(ctx, sessLang, lang)
	}
	return redirect(c, safeNext(c.FormValue("next")))
}

type settingsPage struct {
	Base
	BuddhistEra bool
	Saved       bool
	Notify      notifyField       // the e-mail digest setting (settings_notify.go)
	Errors      map[string]string // field messages after a refused save
}

func (s *Server) settingsForm(c echo.Context) error {
	b := s.base(c)
	mode, err := s.Directory.Notify(c.Request().Context(), b.Actor)
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, "settings", settingsPage{Base: b, BuddhistEra: b.L.BuddhistEra,
		Saved: c.QueryParam("saved") == "1", Notify: notifyOptions(b.L, mode)})
}

func (s *Server) saveSettings(c echo.Context) error {
	ctx := c.Request().Context()
	lang := c.FormValue("lang")
	if !supported(lang) {
		lang = localizerOf(c).Lang
	}
	be := c.FormValue("buddhist_era") == "on"
	if rendered, err := s.saveNotify(c); rendered || err != nil {
		return err
	}
	if err := s.Directory.SetPreferences(ctx, actorOf(c), lang, be); err != nil {
		return err
	}
	s.sessions.Put(ctx, sessLang, lang)
	s.sessions.Put(ctx, sessBE, be)
	return redirect(c, "/settings?saved=1")
}

func supported(lang string) bool {
	for _, l := range locale.Supported {
		if l == lang {
			return true
		}
	}
	return false
}

// safeNext keeps redirects on this site.
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.Contains(next, "\\") {
		return "/"
	}
	return next
}
