package web

import (
	"net/http"

	"homeward/internal/authz"
)

// teamRoutes registers the case team (assignment, team agencies) and the case timeline for
// supervisors. Everyone who sees a case sees its team; changing it is the team section's.
func (s *Server) teamRoutes() {
	g, p := http.MethodGet, http.MethodPost
	s.handle(g, "/cases/:id/team", s.teamView, perm(authz.SectionCases, read))
	s.handle(p, "/cases/:id/team/assign", s.teamAssign, perm(authz.SectionTeam, write))
	s.handle(p, "/cases/:id/team", s.teamAdd, perm(authz.SectionTeam, write))
	s.handle(p, "/cases/:id/team/remove", s.teamRemove, perm(authz.SectionTeam, write))
	s.handle(g, "/cases/:id/timeline", s.timelineView, perm(authz.SectionTimeline, authz.ActionRead))

	s.handle(g, "/api/v1/cases/:id/team", s.apiTeam, perm(authz.SectionCases, read))
	s.handle(p, "/api/v1/cases/:id/assign", s.apiAssign, perm(authz.SectionTeam, write))
	s.handle(p, "/api/v1/cases/:id/team", s.apiTeamAdd, perm(authz.SectionTeam, write))
	s.handle(http.MethodDelete, "/api/v1/cases/:id/team/:agency", s.apiTeamRemove, perm(authz.SectionTeam, write))
	s.handle(g, "/api/v1/cases/:id/timeline", s.apiTimeline, perm(authz.SectionTimeline, authz.ActionRead))
}
