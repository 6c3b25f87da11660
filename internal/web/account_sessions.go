package web

import (
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"homeward/internal/authz"
)

// sessionLive records a signed-in session that has no user_sessions row yet (sessions started by
// the sign-in page) and reports whether the session's row is still live: a session ended by its
// user, by an admin, by a password change or a factor reset is dead at once.
func (s *Server) sessionLive(c echo.Context, a *authz.Actor) (bool, error) {
	ctx := c.Request().Context()
	sid := s.sessions.GetString(ctx, sessSID)
	if sid == "" {
		id, err := s.Directory.StartSession(ctx, a.UserID, a.AgencyID, c.Request().UserAgent(), c.RealIP())
		if err != nil {
			return false, err
		}
		s.sessions.Put(ctx, sessSID, id)
		return true, nil
	}
	return s.Directory.SessionLive(ctx, a.UserID, sid)
}

// hstsHeader is sent under serve (CookieSecure): browsers then reach the site over HTTPS only.
const hstsHeader = "max-age=31536000; includeSubDomains"

// hsts sets Strict-Transport-Security on every response.
func hsts(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		c.Response().Header().Set(echo.HeaderStrictTransportSecurity, hstsHeader)
		return next(c)
	}
}

// cookieName is a cookie's name: with the __Host- prefix when cookies are Secure (under serve), so
// that the browser keeps it to this host, path / and HTTPS.
func (s *Server) cookieName(name string) string {
	if s.CookieSecure {
		return "__Host-" + name
	}
	return name
}

// sessionRow is one of the user's sessions as the sessions page lists it.
type sessionRow struct {
	ID, Created, LastSeen, Agent, Addr string
	Current                            bool
}

type sessionsPage struct {
	Base
	Sessions []sessionRow
	Ended    bool
}

func (s *Server) sessionsPage(c echo.Context) error {
	ctx := c.Request().Context()
	list, err := s.Directory.Sessions(ctx, actorOf(c).UserID, s.IdleTimeout)
	if err != nil {
		return err
	}
	page := sessionsPage{Base: s.base(c), Ended: c.QueryParam("ended") == "1"}
	sid := s.sessions.GetString(ctx, sessSID)
	for _, us := range list {
		page.Sessions = append(page.Sessions, sessionRow{ID: us.ID, Created: page.L.DateTime(us.CreatedAt), LastSeen: page.L.DateTime(us.LastSeenAt),
			Agent: shortAgent(us.UserAgent), Addr: us.Addr, Current: us.ID == sid})
	}
	return s.render(c, http.StatusOK, "account_sessions", page)
}

// confirmPage asks to confirm ending a session, all other sessions, or revoking a token.
type confirmPage struct {
	Base
	Title, Warning, Action, Button, Cancel string
	Details                                []confirmDetail
}

type confirmDetail struct{ Label, Value string }

func (s *Server) endSessionForm(c echo.Context) error {
	ctx := c.Request().Context()
	list, err := s.Directory.Sessions(ctx, actorOf(c).UserID, s.IdleTimeout)
	if err != nil {
		return err
	}
	for _, us := range list {
		if us.ID == c.Param("id") {
			b := s.base(c)
			return s.render(c, http.StatusOK, "account_confirm", confirmPage{Base: b, Title: b.L.T("session.end_title"),
				Warning: b.L.T("session.end_warning"), Action: "/settings/sessions/" + us.ID + "/end", Button: b.L.T("session.end"),
				Cancel: "/settings/sessions", Details: []confirmDetail{
					{b.L.T("session.agent"), shortAgent(us.UserAgent)}, {b.L.T("session.addr"), us.Addr},
					{b.L.T("session.created"), b.L.DateTime(us.CreatedAt)}, {b.L.T("session.last_seen"), b.L.DateTime(us.LastSeenAt)}}})
		}
	}
	return echo.ErrNotFound
}

func (s *Server) endSession(c echo.Context) error {
	if err := s.Directory.EndSession(c.Request().Context(), actorOf(c), c.Param("id")); err != nil {
		return err
	}
	return redirect(c, "/settings/sessions?ended=1")
}

func (s *Server) endOtherSessionsForm(c echo.Context) error {
	b := s.base(c)
	return s.render(c, http.StatusOK, "account_confirm", confirmPage{Base: b, Title: b.L.T("session.end_others_title"),
		Warning: b.L.T("session.end_others_warning"), Action: "/settings/sessions/end-others", Button: b.L.T("session.end_others"),
		Cancel: "/settings/sessions"})
}

func (s *Server) endOtherSessions(c echo.Context) error {
	ctx, a := c.Request().Context(), actorOf(c)
	if _, err := s.Directory.EndSessions(ctx, a.UserID, a.AgencyID, a.UserID, s.sessions.GetString(ctx, sessSID)); err != nil {
		return err
	}
	return redirect(c, "/settings/sessions?ended=1")
}

// shortAgent names the browser and system of a user agent in a few words.
func shortAgent(ua string) string {
	browser := ""
	for _, b := range []struct{ token, name string }{
		{"Edg/", "Edge"}, {"OPR/", "Opera"}, {"SamsungBrowser/", "Samsung Internet"}, {"Firefox/", "Firefox"},
		{"Chrome/", "Chrome"}, {"Chromium/", "Chromium"}, {"Safari/", "Safari"}, {"curl/", "curl"},
	} {
		if strings.Contains(ua, b.token) {
			browser = b.name
			break
		}
	}
	system := ""
	for _, o := range []struct{ token, name string }{
		{"Android", "Android"}, {"iPhone", "iPhone"}, {"iPad", "iPad"}, {"Windows", "Windows"},
		{"Mac OS X", "macOS"}, {"CrOS", "ChromeOS"}, {"Linux", "Linux"},
	} {
		if strings.Contains(ua, o.token) {
			system = o.name
			break
		}
	}
	switch {
	case browser != "" && system != "":
		return browser + " · " + system
	case browser != "" || system != "":
		return browser + system
	case utf8.RuneCountInString(ua) > 40:
		return string([]rune(ua)[:40]) + "…"
	}
	return ua
}
