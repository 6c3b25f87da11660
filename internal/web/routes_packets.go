package web

import (
	"net/http"

	"homeward/internal/authz"
)

// packetRoutes registers the exchange: packets from a case, approval, revocation, the inbox.
func (s *Server) packetRoutes() {
	h := packetHandlers{s: s}
	g, p := http.MethodGet, http.MethodPost
	// A case's packets (the sending store).
	s.handle(g, "/cases/:id/packets", h.casePage, perm(authz.SectionPackets, read))
	s.handle(p, "/cases/:id/packets", h.prepare, perm(authz.SectionPackets, write))
	s.handle(p, "/cases/:id/packets/:pid/approve", h.approve, perm(authz.SectionPackets, authz.ActionApprove))
	s.handle(g, "/cases/:id/packets/:pid/revoke", h.confirmRevoke, perm(authz.SectionPackets, write))
	s.handle(p, "/cases/:id/packets/:pid/revoke", h.revoke, perm(authz.SectionPackets, write))
	// The inbox of the actor's agency (the recipient).
	s.handle(g, "/inbox", h.inbox, perm(authz.SectionInbox, read))
	s.handle(g, "/inbox/:pid", h.packetPage, perm(authz.SectionInbox, read))
	s.handle(p, "/inbox/:pid/accept", h.accept, perm(authz.SectionInbox, write))
	s.handle(g, "/inbox/:pid/decline", h.confirmDecline, perm(authz.SectionInbox, write))
	s.handle(p, "/inbox/:pid/decline", h.decline, perm(authz.SectionInbox, write))
	s.handle(p, "/inbox/:pid/replies", h.reply, perm(authz.SectionInbox, write))
	// JSON API.
	s.handle(p, "/api/v1/cases/:id/packets", h.apiPrepare, perm(authz.SectionPackets, write))
	s.handle(g, "/api/v1/cases/:id/packets", h.apiForCase, perm(authz.SectionPackets, read))
	s.handle(g, "/api/v1/packets/:pid", h.apiOutgoing, perm(authz.SectionPackets, read))
	s.handle(p, "/api/v1/packets/:pid/approve", h.apiApprove, perm(authz.SectionPackets, authz.ActionApprove))
	s.handle(p, "/api/v1/packets/:pid/revoke", h.apiRevoke, perm(authz.SectionPackets, write))
	s.handle(g, "/api/v1/inbox", h.apiInbox, perm(authz.SectionInbox, read))
	s.handle(g, "/api/v1/inbox/:pid", h.apiOpen, perm(authz.SectionInbox, read))
	s.handle(p, "/api/v1/inbox/:pid/accept", h.apiAccept, perm(authz.SectionInbox, write))
	s.handle(p, "/api/v1/inbox/:pid/decline", h.apiDecline, perm(authz.SectionInbox, write))
	s.handle(p, "/api/v1/inbox/:pid/replies", h.apiReply, perm(authz.SectionInbox, write))
}
