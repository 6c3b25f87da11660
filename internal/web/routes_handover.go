package web

// handoverRoutes registers handover batches at the border and their printed record.
func (s *Server) handoverRoutes() {
}
