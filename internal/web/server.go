// Package web serves Homeward over HTTP: HTML pages for people and a JSON API under /api/v1 for
// integrations. Handlers bind input, call a domain service with the actor, and render.
package web

import (
	"context"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/alexedwards/scs/postgresstore"
	"github.com/alexedwards/scs/v2"
	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"gorm.io/gorm"

	"homeward/internal/auditlog"
	"homeward/internal/authz"
	"homeward/internal/cases"
	"homeward/internal/consent"
	"homeward/internal/dashboard"
	"homeward/internal/directory"
	"homeward/internal/exchange"
	"homeward/internal/health"
	"homeward/internal/locale"
	"homeward/internal/metrics"
	"homeward/internal/mfa"
	"homeward/internal/resume"
	"homeward/internal/store"
)

// Deps are what the server needs.
type Deps struct {
	Hub       *gorm.DB
	Stores    *store.Set
	Policy    *authz.Policy
	Directory *directory.Service
	Cases     *cases.Service
	Exchange  *exchange.Service
	// Consent is the consent ledger service, with its revocation hook.
	Consent *consent.Service
	// Dashboard computes the role dashboards of the home page.
	Dashboard *dashboard.Service
	Bundle    *locale.Bundle
	// Services are the areas' domain services.
	Services
	// CookieSecure sets Secure on cookies, names the session and CSRF cookies with the __Host- prefix
	// and sends HSTS; off only for plain-HTTP local development.
	CookieSecure bool
	// IdleTimeout signs a person out after this long without a request (default 30 minutes).
	IdleTimeout time.Duration
	// TrustedProxies are the reverse proxies whose forwarded-address headers are believed
	// (config HOMEWARD_TRUSTED_PROXIES); none: the client's address is the connection's.
	TrustedProxies []*net.IPNet
	// Audit is the auditor's console; it also records refused attempts.
	Audit *auditlog.Service
	// PublicURL prefixes the links handed out (enrolment); "" uses the request's own host.
	PublicURL string
	// MFA holds the second factors; its relying party comes from config.PublicURL (internal/app).
	MFA *mfa.Service
	// Resume keeps a form's input across an expired session (resume.go).
	Resume *resume.Service
	// Ops: metrics, readiness and outages, limits (observe.go, limits.go).
	Ops
}

// Ops are the server's operations dependencies and settings.
type Ops struct {
	// Metrics counts requests by route pattern and status; nil: metrics off.
	Metrics *metrics.Registry
	// Health answers /readyz with its own small pools and tracks database outages; nil: /readyz
	// pings the main pools and outages are not tracked.
	Health *health.Checker
	// APIRate is the API requests per second allowed to one token, with APIBurst; 0: no limit.
	APIRate  float64
	APIBurst int
	// ImportsPerStore is how many imports may run at once in one store (default 2).
	ImportsPerStore int
}

// Server is the HTTP application.
type Server struct {
	Deps
	echo     *echo.Echo
	sessions *scs.SessionManager
	pages    *pages
	access   map[string]Access // "METHOD path" -> access rule
	apiLimit *apiLimiter       // nil: no API rate limit
	imports  *importSlots
}

// MaxBody is the largest request body accepted outside uploads.
const MaxBody = "1MiB" // binary: echo reads "1M" as 1,000,000 bytes

// MaxJSON is the largest JSON body, in bytes (the same 1 MiB).
const MaxJSON = 1 << 20

// New builds the server and its routes.
func New(d Deps) (*Server, error) {
	if err := checkDeps(d); err != nil {
		return nil, err
	}
	if d.IdleTimeout == 0 {
		d.IdleTimeout = 30 * time.Minute
	}
	sqlDB, err := d.Hub.DB()
	if err != nil {
		return nil, err
	}
	sm := scs.New()
	sm.Store = postgresstore.NewWithCleanupInterval(sqlDB, 10*time.Minute)
	sm.IdleTimeout = d.IdleTimeout
	sm.Lifetime = 12 * time.Hour
	sm.Cookie.Name = "homeward_session"
	if d.CookieSecure {
		sm.Cookie.Name = "__Host-homeward_session" // Secure, Path=/, no Domain: this host only
	}
	sm.Cookie.HttpOnly = true
	sm.Cookie.SameSite = http.SameSiteLaxMode
	sm.Cookie.Secure = d.CookieSecure
	sm.ErrorFunc = sessionError // session_errors.go
	p, err := loadPages()
	if err != nil {
		return nil, err
	}
	s := &Server{Deps: d, echo: echo.New(), sessions: sm, pages: p, access: map[string]Access{},
		apiLimit: newAPILimiter(d.Hub, d.APIRate, d.APIBurst), imports: newImportSlots(d.Stores, d.ImportsPerStore)}
	e := s.echo
	e.HideBanner, e.HidePort = true, true
	e.IPExtractor = clientAddr(d.TrustedProxies) // every c.RealIP() goes through it
	e.HTTPErrorHandler = s.handleError
	e.Pre(headAsGet, s.requestID) // head.go (first: it changes the request the router reads), observe.go
	e.Use(s.observe)              // observe.go: metrics and the access log
	e.Use(middleware.Recover())
	e.Use(compress)     // compress.go
	if d.CookieSecure { // under serve: HTTPS only, and browsers are told so
		e.Use(hsts)
	}
	e.Use(middleware.SecureWithConfig(middleware.SecureConfig{
		XSSProtection: "0", ContentTypeNosniff: "nosniff", XFrameOptions: "DENY",
		ReferrerPolicy:        "same-origin",
		ContentSecurityPolicy: "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; form-action 'self'",
	}))
	e.Use(middleware.BodyLimitWithConfig(middleware.BodyLimitConfig{Limit: MaxBody, Skipper: func(c echo.Context) bool { return isUpload(c) || isImport(c) || isComplaintImport(c) }}))
	// Attachment uploads have their own limit, enforced here so that nothing (CSRF reads the form) reads more.
	e.Use(middleware.BodyLimitWithConfig(middleware.BodyLimitConfig{Limit: strconv.Itoa(maxUploadBody),
		Skipper: func(c echo.Context) bool { return !isUpload(c) }}))
	e.Use(noStore, refuseNUL) // hygiene.go
	s.routes()
	return s, nil
}

// Handler is the server's http.Handler.
func (s *Server) Handler() http.Handler { return s.echo }

// Echo exposes the router for tests that walk the routes.
func (s *Server) Echo() *echo.Echo { return s.echo }

// Ready reports whether the hub and every store answer: through Health's own pools, each within
// its timeout, when set.
func (s *Server) Ready(ctx context.Context) error {
	if s.Health != nil {
		return s.Health.Ready(ctx)
	}
	sqlDB, err := s.Hub.DB()
	if err != nil {
		return err
	}
	if err := sqlDB.PingContext(ctx); err != nil {
		return err
	}
	return s.Stores.Ping(ctx)
}
