package audit

import "homeward/internal/authz"

// A partner agency (embassy, NGO) looking back at what it received and answered (hub).
var (
	PacketHistory = Define("packet.history", authz.SectionInbox)
)
