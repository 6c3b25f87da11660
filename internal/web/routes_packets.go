package web

// packetRoutes registers the exchange: packets from a case, approval, revocation, the inbox.
func (s *Server) packetRoutes() {
}
