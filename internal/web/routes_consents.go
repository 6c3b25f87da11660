package web

import (
	"net/http"

	"homeward/internal/authz"
)

// consentRoutes registers the consent ledger of a case: the page, the answer form, the
// withdrawal with its confirmation step, the printable consent sheet, and the JSON API.
func (s *Server) consentRoutes() {
	h := consentHandlers{s: s, svc: s.Consent}
	g, p := http.MethodGet, http.MethodPost
	s.handle(g, "/cases/:id/consents", h.page, perm(authz.SectionConsent, read))
	s.handle(p, "/cases/:id/consents", h.record, perm(authz.SectionConsent, write))
	s.handle(g, "/cases/:id/consents/sheet", h.sheet, perm(authz.SectionConsent, read))
	s.handle(g, "/cases/:id/consents/withdraw", h.confirmWithdraw, perm(authz.SectionConsent, write))
	s.handle(p, "/cases/:id/consents/withdraw", h.withdraw, perm(authz.SectionConsent, write))
	s.handle(g, "/api/v1/cases/:id/consents", h.apiList, perm(authz.SectionConsent, read))
	s.handle(p, "/api/v1/cases/:id/consents", h.apiRecord, perm(authz.SectionConsent, write))
}
