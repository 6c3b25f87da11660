package web

// repatriationRoutes registers the repatriation section of a case and requests to embassies.
func (s *Server) repatriationRoutes() {
}
