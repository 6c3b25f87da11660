package web

import (
	"testing"

	"homeward/internal/authz"
)

// TestNavShownFollowsRoutes checks that a navigation link shows only when its GET route is
// registered and the actor holds the route's right, so consoles added later (/admin, /audit)
// appear for their roles without another change, and nobody sees a link to a 404.
func TestNavShownFollowsRoutes(t *testing.T) {
	p, err := authz.LoadPolicy()
	if err != nil {
		t.Fatal(err)
	}
	actor := func(r authz.Role, kind, country string) *authz.Actor {
		return &authz.Actor{Roles: []authz.Role{r}, AgencyKind: kind, Country: country, Policy: p}
	}
	admin := actor(authz.RoleCountryAdmin, "social_welfare", "TH")
	auditor := actor(authz.RoleAuditor, "social_welfare", "TH")
	police := actor(authz.RoleSupervisor, "police", "TH")
	welfare := actor(authz.RoleSupervisor, "social_welfare", "TH")
	embassy := actor(authz.RoleEmbassyOfficer, "embassy", "")
	link := func(href string) navLink {
		for _, n := range navLinks {
			if n.href == href {
				return n
			}
		}
		t.Fatalf("no navigation link %s", href)
		return navLink{}
	}
	without := &Server{access: map[string]Access{}}
	with := &Server{access: map[string]Access{
		"GET /admin":                {Section: authz.SectionDirectory, Action: authz.ActionRead},
		"GET /audit":                {Section: authz.SectionAudit, Action: authz.ActionRead},
		"GET /repatriation/overdue": {Section: authz.SectionOverdue, Action: authz.ActionRead},
		"GET /cases":                {Section: authz.SectionCases, Action: authz.ActionRead},
	}}
	for _, tt := range []struct {
		name string
		s    *Server
		a    *authz.Actor
		href string
		want bool
	}{
		{"admin console not built yet", without, admin, "/admin", false},
		{"admin console for the country admin", with, admin, "/admin", true},
		{"no admin console for the auditor", with, auditor, "/admin", false},
		{"audit console for the auditor", with, auditor, "/audit", true},
		{"no audit console for a supervisor", with, welfare, "/audit", false},
		{"overdue steps for the welfare supervisor", with, welfare, "/repatriation/overdue", true},
		{"no overdue steps for the police supervisor", with, police, "/repatriation/overdue", false},
		{"cases for the police supervisor", with, police, "/cases", true},
		{"no store pages without a store", with, embassy, "/cases", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.s.navShown(tt.a, link(tt.href)); got != tt.want {
				t.Errorf("navShown = %v, want %v", got, tt.want)
			}
		})
	}
}
