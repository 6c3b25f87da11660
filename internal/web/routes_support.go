package web

// supportRoutes registers services, NGO referrals, reintegration, closure and role dashboards.
func (s *Server) supportRoutes() {
}
