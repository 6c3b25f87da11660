package web

import (
	"net/http"

	"homeward/internal/authz"
)

// supportRoutes registers services, NGO referrals, reintegration, closure and role dashboards.
func (s *Server) supportRoutes() {
	g, p, put := http.MethodGet, http.MethodPost, http.MethodPut
	approve := authz.ActionApprove

	sv := serviceHandlers{s: s, svc: s.Support}
	s.handle(g, "/cases/:id/services", sv.page, perm(authz.SectionServices, read))
	s.handle(p, "/cases/:id/services", sv.create, perm(authz.SectionServices, write))
	s.handle(p, "/cases/:id/services/:sid", sv.update, perm(authz.SectionServices, write))
	s.handle(p, "/cases/:id/referrals", sv.refer, perm(authz.SectionReferral, write))
	s.handle(p, "/referrals/:pid/renew", sv.renew, perm(authz.SectionReferral, write))
	s.handle(g, "/api/v1/cases/:id/services", sv.apiList, perm(authz.SectionServices, read))
	s.handle(p, "/api/v1/cases/:id/services", sv.apiCreate, perm(authz.SectionServices, write))
	s.handle(put, "/api/v1/cases/:id/services/:sid", sv.apiUpdate, perm(authz.SectionServices, write))
	s.handle(p, "/api/v1/cases/:id/referrals", sv.apiRefer, perm(authz.SectionReferral, write))
	s.handle(p, "/api/v1/referrals/:pid/renew", sv.apiRenew, perm(authz.SectionReferral, write))

	// The NGO worker's referrals: only their agency's, only the referral's fields.
	rf := referralHandlers{s: s}
	s.handle(g, "/referrals", rf.list, perm(authz.SectionInbox, read))
	s.handle(g, "/referrals/:pid", rf.page, perm(authz.SectionInbox, read))
	s.handle(p, "/referrals/:pid/accept", rf.accept, perm(authz.SectionInbox, write))
	s.handle(p, "/referrals/:pid/decline", rf.decline, perm(authz.SectionInbox, write))
	s.handle(p, "/referrals/:pid/progress", rf.progress, perm(authz.SectionInbox, write))

	ri := reintegrationHandlers{s: s, svc: s.Reintegration}
	s.handle(g, "/cases/:id/reintegration", ri.page, perm(authz.SectionReintegration, read))
	s.handle(p, "/cases/:id/reintegration", ri.savePlan, perm(authz.SectionReintegration, write))
	s.handle(p, "/cases/:id/reintegration/goals", ri.addGoal, perm(authz.SectionReintegration, write))
	s.handle(p, "/cases/:id/reintegration/goals/:gid", ri.updateGoal, perm(authz.SectionReintegration, write))
	s.handle(p, "/cases/:id/reintegration/visits", ri.addVisit, perm(authz.SectionReintegration, write))
	s.handle(p, "/cases/:id/reintegration/visits/:vid", ri.updateVisit, perm(authz.SectionReintegration, write))
	s.handle(g, "/api/v1/cases/:id/reintegration", ri.apiGet, perm(authz.SectionReintegration, read))
	s.handle(put, "/api/v1/cases/:id/reintegration", ri.apiPlan, perm(authz.SectionReintegration, write))
	s.handle(p, "/api/v1/cases/:id/reintegration/goals", ri.apiAddGoal, perm(authz.SectionReintegration, write))
	s.handle(put, "/api/v1/cases/:id/reintegration/goals/:gid", ri.apiUpdateGoal, perm(authz.SectionReintegration, write))
	s.handle(p, "/api/v1/cases/:id/reintegration/visits", ri.apiAddVisit, perm(authz.SectionReintegration, write))
	s.handle(put, "/api/v1/cases/:id/reintegration/visits/:vid", ri.apiUpdateVisit, perm(authz.SectionReintegration, write))

	cl := closureHandlers{s: s, svc: s.Closure}
	s.handle(g, "/cases/:id/closure", cl.page, perm(authz.SectionCases, read))
	s.handle(p, "/cases/:id/closure", cl.request, perm(authz.SectionCases, write))
	s.handle(p, "/cases/:id/closure/:rid/approve", cl.approve, perm(authz.SectionClosure, approve))
	s.handle(p, "/cases/:id/closure/:rid/return", cl.giveBack, perm(authz.SectionClosure, approve))
	s.handle(p, "/cases/:id/reopen", cl.reopen, perm(authz.SectionClosure, authz.ActionReopen))
	s.handle(g, "/api/v1/cases/:id/closure", cl.apiGet, perm(authz.SectionCases, read))
	s.handle(p, "/api/v1/cases/:id/closure", cl.apiRequest, perm(authz.SectionCases, write))
	s.handle(p, "/api/v1/closures/:rid/approve", cl.apiApprove, perm(authz.SectionClosure, approve))
	s.handle(p, "/api/v1/closures/:rid/return", cl.apiReturn, perm(authz.SectionClosure, approve))
	s.handle(p, "/api/v1/cases/:id/reopen", cl.apiReopen, perm(authz.SectionClosure, authz.ActionReopen))

	s.handle(g, "/api/v1/dashboard", s.apiDashboard, perm(authz.SectionSelf, read))
}
