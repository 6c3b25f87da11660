package web

import (
	"strings"

	"github.com/labstack/echo/v4"

	"homeward/internal/authz"
)

// Access is a route's rule: public, or signed in with a permission (section and action). Routes
// about the actor's own account use the section "self", which every role holds.
type Access struct {
	Public  bool
	Section authz.Section
	Action  authz.Action
	bare    bool // no session, no CSRF cookie: static files and probes
}

var (
	public = Access{Public: true}
	bare   = Access{Public: true, bare: true}
)

func perm(s authz.Section, a authz.Action) Access { return Access{Section: s, Action: a} }

// AccessRules returns every registered route's rule, for the route-walk test.
func (s *Server) AccessRules() map[string]Access { return s.access }

// handle registers a route with its access rule; every route goes through here.
func (s *Server) handle(method, path string, h echo.HandlerFunc, acc Access) {
	s.access[method+" "+path] = acc
	api := strings.HasPrefix(path, "/api/")
	var mw []echo.MiddlewareFunc
	switch {
	case api && !acc.Public:
		mw = append(mw, s.bearerActor, knownQuery(method, path)) // api_query.go
	case !api && !acc.bare:
		mw = append(mw, s.sessionMiddleware, s.csrf, s.sessionActor, s.mfaGate)
	}
	mw = append(mw, s.localize(!api && !acc.bare))
	if !api && !acc.bare {
		mw = append(mw, s.beDates) // bedates.go: Buddhist-era dates typed on forms
	}
	if !acc.Public {
		mw = append(mw, s.guard(acc))
	}
	if isImportRoute(method, path) {
		mw = append(mw, s.imports.limit) // limits.go: imports at once per store
	}
	s.echo.Add(method, path, h, mw...)
}

// guard refuses a request without an actor (401 / sign-in page) or without the route's permission
// (404, so nothing tells that the route exists for other roles).
func (s *Server) guard(acc Access) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			a := actorOf(c)
			if a == nil {
				return errUnauthenticated
			}
			if err := a.Require(acc.Section, acc.Action); err != nil {
				return err
			}
			return next(c)
		}
	}
}
