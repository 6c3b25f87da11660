package web

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"homeward/internal/authz"
)

const (
	read  = authz.ActionRead
	write = authz.ActionWrite
)

func (s *Server) routes() {
	g := http.MethodGet
	p := http.MethodPost

	s.handle(g, "/healthz", s.healthz, bare)
	s.handle(g, "/readyz", s.readyz, bare)
	s.handle(g, "/static/*", staticFiles(), bare)
	s.handle(g, "/api/v1/openapi.json", s.openAPI, bare)

	// Pages.
	s.handle(g, "/", s.home, perm(authz.SectionSelf, read))
	s.handle(g, "/login", s.loginForm, public)
	s.handle(p, "/login", s.login, public)
	s.handle(p, "/logout", s.logout, perm(authz.SectionSelf, write))
	s.handle(p, "/language", s.setLanguage, public)
	s.handle(g, "/settings", s.settingsForm, perm(authz.SectionSelf, read))
	s.handle(p, "/settings", s.saveSettings, perm(authz.SectionSelf, write))
	s.handle(g, "/cases", s.caseList, perm(authz.SectionCases, read))
	s.handle(g, "/cases/new", s.intakeForm, perm(authz.SectionCases, write))
	s.handle(p, "/cases", s.intake, perm(authz.SectionCases, write))
	s.handle(g, "/cases/:id", s.caseView, perm(authz.SectionCases, read))
	s.handle(p, "/cases/:id/transitions", s.transition, perm(authz.SectionCases, write))

	// Areas of the case lifecycle, one file each (routes_*.go).
	s.operationRoutes()
	s.importRoutes()
	s.screeningRoutes()
	s.investigationRoutes()
	s.noteRoutes()
	s.attachmentRoutes()
	s.consentRoutes()
	s.teamRoutes()

	// Packets and the support of a case (routes_*.go).
	s.packetRoutes()       // the exchange: prepare, approve, revoke, inbox, open, accept, decline, reply
	s.historyRoutes()      // a partner agency's history: received packets and its replies
	s.repatriationRoutes() // the repatriation section and embassy requests
	s.handoverRoutes()     // handover batches at the border and the printed record
	s.supportRoutes()      // services, NGO referrals, reintegration, closure, role dashboards

	// Reports: aggregates computed where the records live (routes_*.go).
	s.reportRoutes()
	s.jointReportRoutes()
	s.complaintRoutes()
	s.exportRoutes()
	s.personRoutes()  // duplicates, linking and merging persons (routes_persons.go)
	s.linkageRoutes() // possible matches in the other country (routes_linkage.go)
	s.auditRoutes()   // the auditor's console (routes_audit.go)
	s.adminRoutes()   // the country admin's console and API (routes_admin.go)
	s.accountRoutes()
	s.mfaRoutes() // second factors, the second step of sign-in, step-up (routes_mfa.go)

	// JSON API.
	s.handle(g, "/api/v1/me", s.apiMe, perm(authz.SectionSelf, read))
	s.handle(g, "/api/v1/cases", s.apiCaseList, perm(authz.SectionCases, read))
	s.handle(g, "/api/v1/cases/:id", s.apiCase, perm(authz.SectionCases, read))
	s.handle(p, "/api/v1/persons", s.apiIntake, perm(authz.SectionCases, write))
	s.handle(p, "/api/v1/cases/:id/transitions", s.apiTransition, perm(authz.SectionCases, write))

	// Anything else is not found, with the same page or body as a hidden record.
	notFound := func(c echo.Context) error { return echo.ErrNotFound }
	s.handle(echo.RouteNotFound, "/*", notFound, public)
}

func (s *Server) healthz(c echo.Context) error { return c.String(http.StatusOK, "ok") }

func (s *Server) readyz(c echo.Context) error {
	if err := s.Ready(c.Request().Context()); err != nil {
		return c.String(http.StatusServiceUnavailable, notReadyBody(err)) // outage.go
	}
	return c.String(http.StatusOK, "ready")
}
