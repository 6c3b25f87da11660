package web

import "homeward/internal/authz"

// navLink is one link of the main navigation. It is shown when its GET route is registered and the
// actor holds that route's right, so no link leads a role to a page it may not open (404), and a
// link to a page not built yet shows nowhere.
type navLink struct {
	href, label string
	store       bool // a page of the actor's store: not for agencies without one
}

// navLinks are the main navigation, in order. Add a page here; its route's right decides who sees it.
var navLinks = []navLink{
	{"/cases", "nav.cases", true},
	{"/operations", "nav.operations", true},
	{"/inbox", "nav.inbox", false},
	{"/repatriation/overdue", "repatriation.overdue.nav", true},
	{"/handover/batches", "handover.nav", true},
	{"/linkage", "linkage.nav", true},
	{"/reports", "nav.reports", true},
	{"/admin", "home.nav.admin", false},
	{"/audit", "home.nav.audit", false},
	{"/settings", "nav.settings", false},
}

// navShown reports whether a sees n: its GET route exists and a holds the route's right.
func (s *Server) navShown(a *authz.Actor, n navLink) bool {
	acc, ok := s.access["GET "+n.href]
	if !ok || (n.store && !a.HasStore()) {
		return false
	}
	return acc.Public || a.Can(acc.Section, acc.Action)
}
