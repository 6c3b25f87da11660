package exchange

import "homeward/internal/failpoint"

// Failpoints of the exchange's steps (docs/packets.md lists them; a test keeps the list true).
// Each sits right after the step's one commit, before the relay is kicked: a crash there leaves the
// step committed on its side with its outbox row, and only the relay can finish it.
var (
	FailPrepare = failpoint.Define("exchange.prepare.committed")
	FailApprove = failpoint.Define("exchange.approve.committed")
	FailOpen    = failpoint.Define("exchange.open.committed")
	FailDecide  = failpoint.Define("exchange.decide.committed") // accept and decline
	FailReply   = failpoint.Define("exchange.reply.committed")
	FailRevoke  = failpoint.Define("exchange.revoke.committed")
	FailExpire  = failpoint.Define("exchange.expire.committed")
	// FailSync sits between a Sync round's store commit and its hub commit.
	FailSync = failpoint.Define("exchange.sync.store_committed")
)
