package web

import (
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"homeward/internal/authz"
	"homeward/internal/locale"
)

// Context keys.
const (
	keyActor     = "actor"
	keyLocalizer = "localizer"
	keyCSRF      = "csrf"
)

// Session keys.
const (
	sessUser   = "user_id"
	sessAgency = "agency_id"
	sessLang   = "lang"
	sessBE     = "buddhist_era"
	// sessSID is the id of the session's user_sessions row (directory.UserSession).
	sessSID = "sid"
	// sessMFAAt is when (unix seconds) the session's user last proved a second factor; creating an
	// API token or changing the password needs it within mfaFreshFor for MFA roles.
	sessMFAAt = "mfa_at"
)

// mfaFreshFor is how recent a second factor must be for sensitive settings.
const mfaFreshFor = 10 * time.Minute

// mfaFresh reports whether the session proved a second factor within mfaFreshFor.
func (s *Server) mfaFresh(c echo.Context) bool {
	at := s.sessions.GetInt64(c.Request().Context(), sessMFAAt)
	return at > 0 && time.Since(time.Unix(at, 0)) < mfaFreshFor
}

var errUnauthenticated = errors.New("unauthenticated")

func actorOf(c echo.Context) *authz.Actor {
	a, _ := c.Get(keyActor).(*authz.Actor)
	return a
}

func localizerOf(c echo.Context) *locale.Localizer {
	l, _ := c.Get(keyLocalizer).(*locale.Localizer)
	return l
}

func (s *Server) sessionMiddleware(next echo.HandlerFunc) echo.HandlerFunc {
	return withSessionErrors(echo.WrapMiddleware(s.sessions.LoadAndSave)(next)) // session_errors.go
}

func (s *Server) csrf(next echo.HandlerFunc) echo.HandlerFunc {
	return middleware.CSRFWithConfig(middleware.CSRFConfig{
		TokenLookup:    "form:_csrf,header:X-CSRF-Token",
		ContextKey:     keyCSRF,
		CookieName:     s.cookieName("homeward_csrf"),
		CookiePath:     "/",
		CookieHTTPOnly: true,
		CookieSecure:   s.CookieSecure,
		CookieSameSite: http.SameSiteStrictMode,
		// A missing or wrong token is a refused form, whatever echo's reason: 403 with "reload".
		ErrorHandler: func(err error, c echo.Context) error { return s.csrfRefused(c) }, // resume.go
		// The not-found route changes nothing, nor does a dead enrolment link (the same not-found page).
		Skipper: func(c echo.Context) bool { return c.Path() == "/*" || s.deadEnrolment(c) },
	})(next)
}

// sessionActor loads the signed-in actor, if any, from the session.
func (s *Server) sessionActor(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		ctx := c.Request().Context()
		uid := s.sessions.GetString(ctx, sessUser)
		if uid != "" {
			a, err := s.Directory.Actor(ctx, uid, s.sessions.GetString(ctx, sessAgency))
			if err != nil {
				if !errors.Is(err, authz.ErrNotFound) {
					return err
				}
				// The user or membership is gone: end the session.
				if err := s.sessions.Destroy(ctx); err != nil {
					return err
				}
			} else {
				// A session ended elsewhere (by its user, an admin, a password change) is dead at once.
				live, err := s.sessionLive(c, a)
				if err != nil {
					return err
				}
				if live {
					c.Set(keyActor, a)
				} else if err := s.sessions.Destroy(ctx); err != nil {
					return err
				}
			}
		}
		return next(c)
	}
}

// bearerActor loads the actor of an API bearer token.
func (s *Server) bearerActor(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		h := c.Request().Header.Get(echo.HeaderAuthorization)
		token, ok := strings.CutPrefix(h, "Bearer ")
		if !ok || token == "" {
			return errUnauthenticated
		}
		a, err := s.Directory.TokenActor(c.Request().Context(), strings.TrimSpace(token))
		if err != nil {
			if errors.Is(err, authz.ErrNotFound) {
				return errUnauthenticated
			}
			return err
		}
		if err := s.apiLimit.allow(c.Request().Context(), strings.TrimSpace(token)); err != nil { // limits.go
			return err
		}
		c.Set(keyActor, a)
		return next(c)
	}
}

// localize picks the language: the user's setting (kept in the session), else the lang cookie, else
// Accept-Language.
func (s *Server) localize(withSession bool) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			return s.localizeRequest(c, withSession, next)
		}
	}
}

func (s *Server) localizeRequest(c echo.Context, withSession bool, next echo.HandlerFunc) error {
	{
		ctx := c.Request().Context()
		setting, be := "", false
		if withSession {
			setting, be = s.sessions.GetString(ctx, sessLang), s.sessions.GetBool(ctx, sessBE)
		}
		cookie := ""
		if ck, err := c.Cookie("lang"); err == nil {
			cookie = ck.Value
		}
		lang := locale.Negotiate(setting, cookie, c.Request().Header.Get("Accept-Language"))
		c.Set(keyLocalizer, s.Bundle.For(lang, be, nil))
		return next(c)
	}
}
