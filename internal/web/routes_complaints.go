package web

// complaintRoutes registers the routes of this area (filled in by its feature).
func (s *Server) complaintRoutes() {}
