package web

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"

	"github.com/labstack/echo/v4"

	"homeward/internal/problem"
	"homeward/internal/resume"
)

// Work is not lost to expiry (issue 16 item 4). A browser signed in here keeps a seen cookie: the id
// of its user_sessions row (SameSite=Strict, so a request from another site never carries it). A
// form POST that finds no session stashes its values (resume.Service: sealed with a key only the
// browser keeps, bound to the seen session's user, never a secret) and goes to the sign-in page with
// the page it came from as next (a path of this site only); after that same user signs in, the page
// gets the values back once (Base.Resume, filled into the form by resume.js).

// sessSignInNext is where a sign-in waiting for its second factor goes afterwards.
const sessSignInNext = "signin_next"

// errCSRF is a form refused for its CSRF token while signed in: 403 with a translated page.
var errCSRF = fmt.Errorf("csrf: %w", problem.ErrForbidden)

// rememberSession sets the seen cookie of a new browser session.
func (s *Server) rememberSession(c echo.Context, sid string) {
	c.SetCookie(&http.Cookie{Name: s.cookieName("homeward_seen"), Value: sid, Path: "/", MaxAge: 13 * 3600,
		HttpOnly: true, Secure: s.CookieSecure, SameSite: http.SameSiteStrictMode})
}

// formPage is the page a refused request was made from: the request itself for a GET, the
// same-site Referer (else the target) for a form; "/" when neither is a safe path.
func formPage(c echo.Context) string {
	r := c.Request()
	if r.Method == http.MethodGet || r.Method == http.MethodHead {
		if p := r.URL.RequestURI(); resume.SafePath(p) {
			return p
		}
		return "/"
	}
	if ref, err := url.Parse(r.Referer()); err == nil && ref.Host == r.Host {
		if p := ref.RequestURI(); resume.SafePath(p) {
			return p
		}
	}
	if resume.SafePath(r.URL.Path) {
		return r.URL.Path
	}
	return "/"
}

// toSignIn answers a page request without a session: the sign-in page, back to the page after it,
// with a form's input stashed for its user.
func (s *Server) toSignIn(c echo.Context) error {
	next := formPage(c)
	r := c.Request()
	if r.Method == http.MethodPost {
		if ck, err := c.Cookie(s.cookieName("homeward_seen")); err == nil {
			if form, err := c.FormParams(); err == nil {
				claim, err := s.Resume.Stash(r.Context(), ck.Value, next, form)
				switch {
				case err == nil:
					c.SetCookie(&http.Cookie{Name: s.cookieName("homeward_resume"), Value: claim, Path: "/", MaxAge: int(resume.TTL.Seconds()),
						HttpOnly: true, Secure: s.CookieSecure, SameSite: http.SameSiteLaxMode})
				case !errors.Is(err, resume.ErrNone):
					slog.ErrorContext(r.Context(), "stash a form", "err", err)
				}
			}
		}
	}
	if next == "/" {
		return c.Redirect(http.StatusSeeOther, "/login")
	}
	return c.Redirect(http.StatusSeeOther, "/login?next="+url.QueryEscape(next))
}

// nextAfterSignIn is the page to go to after signing in: a safe path given with the sign-in, else "/".
func nextAfterSignIn(next string) string {
	if resume.SafePath(next) {
		return next
	}
	return "/"
}

// takeResume gives the page the values stashed for it and the signed-in user, once.
func (s *Server) takeResume(c echo.Context, b *Base) {
	ck, err := c.Cookie(s.cookieName("homeward_resume"))
	if err != nil || b.Actor == nil || c.Request().Method != http.MethodGet {
		return
	}
	v, err := s.Resume.Take(c.Request().Context(), ck.Value, b.Actor.UserID, c.Request().URL.RequestURI())
	if err != nil {
		if !errors.Is(err, resume.ErrNone) {
			slog.ErrorContext(c.Request().Context(), "take a stashed form", "err", err)
		}
		return
	}
	b.Resume = map[string][]string(v)
	c.SetCookie(&http.Cookie{Name: s.cookieName("homeward_resume"), Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, Secure: s.CookieSecure, SameSite: http.SameSiteLaxMode})
}

// csrfRefused is the CSRF check's answer: a request without a session (it expired with the form
// open) goes to sign in, its input kept; a signed-in one gets the translated refusal page.
func (s *Server) csrfRefused(c echo.Context) error {
	if s.sessions.GetString(c.Request().Context(), sessUser) == "" && !strings.HasPrefix(c.Request().URL.Path, "/login") {
		return errUnauthenticated
	}
	return s.localizeRequest(c, true, func(echo.Context) error { return errCSRF })
}
