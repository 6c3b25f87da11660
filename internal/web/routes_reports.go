package web

// reportRoutes registers the routes of this area (filled in by its feature).
func (s *Server) reportRoutes() {}
