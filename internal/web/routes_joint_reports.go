package web

// jointReportRoutes registers the routes of this area (filled in by its feature).
func (s *Server) jointReportRoutes() {}
