package web

import (
	"net/http"

	"homeward/internal/authz"
)

// adminRoutes registers the country admin's console (/admin) and its JSON API: the country's
// agencies and users, memberships, disabling, enrolment links, signing out, tokens and factors.
// The country scoping is the directory service's (internal/directory/admin_users.go).
func (s *Server) adminRoutes() {
	g, p := http.MethodGet, http.MethodPost
	r, w := perm(authz.SectionDirectory, read), perm(authz.SectionDirectory, write)
	s.handle(g, "/admin", s.adminHome, r)
	s.handle(g, "/admin/users", s.adminUserList, r)
	s.handle(g, "/admin/jobs", s.adminJobs, r) // the store's failed background jobs (admin_jobs.go)
	s.handle(g, "/admin/users/new", s.adminInviteForm, w)
	s.handle(p, "/admin/users", s.adminInvite, w)
	s.handle(g, "/admin/users/:id", s.adminUserView, r)
	s.handle(p, "/admin/users/:id/memberships", s.adminAddMembership, w)
	s.handle(p, "/admin/memberships/:id/delete", s.adminRemoveMembership, w)
	s.handle(p, "/admin/users/:id/disable", s.adminDisable, w)
	s.handle(p, "/admin/users/:id/enable", s.adminEnable, w)
	s.handle(p, "/admin/users/:id/enrolment", s.adminEnrolment, w)
	s.handle(p, "/admin/users/:id/sessions/end", s.adminEndSessions, w)
	s.handle(p, "/admin/users/:id/tokens/revoke", s.adminRevokeTokens, w)
	s.handle(p, "/admin/users/:id/factors/reset", s.adminResetFactors, w)

	s.handle(g, "/api/v1/admin/users", s.apiAdminUsers, r)
	s.handle(g, "/api/v1/admin/jobs", s.apiAdminJobs, r)
	s.handle(p, "/api/v1/admin/users", s.apiAdminInvite, w)
	s.handle(g, "/api/v1/admin/users/:id", s.apiAdminUser, r)
	s.handle(http.MethodPatch, "/api/v1/admin/users/:id", s.apiAdminPatch, w)
	s.handle(p, "/api/v1/admin/users/:id/memberships", s.apiAdminAddMembership, w)
	s.handle(http.MethodDelete, "/api/v1/admin/memberships/:id", s.apiAdminRemoveMembership, w)
	s.handle(p, "/api/v1/admin/users/:id/disable", s.apiAdminDisable, w)
	s.handle(p, "/api/v1/admin/users/:id/enable", s.apiAdminEnable, w)
	s.handle(p, "/api/v1/admin/users/:id/enrolment", s.apiAdminEnrolment, w)
	s.handle(p, "/api/v1/admin/users/:id/sessions/end", s.apiAdminEndSessions, w)
	s.handle(p, "/api/v1/admin/users/:id/tokens/revoke", s.apiAdminRevokeTokens, w)
	s.handle(p, "/api/v1/admin/users/:id/factors/reset", s.apiAdminResetFactors, w)
}
