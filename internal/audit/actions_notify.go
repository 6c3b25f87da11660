package audit

import "homeward/internal/authz"

// Notifications (hub): a user's choice of digest, and each digest sent (who, when, the counts).
var (
	UserNotify = Define("user.notify", authz.SectionSelf)
	DigestSent = Define("notify.digest_sent", authz.SectionSelf)
)
