package exchange

import (
	"strings"

	"homeward/internal/failpoint"
)

// failpointDocs says where each failpoint sits (docs/packets.md).
var failpointDocs = map[string]string{
	FailPrepare:      "prepare and handover batch create: the sending store committed links, persons, its audit rows and the outbox row; the hub has nothing yet",
	FailApprove:      "approve and handover batch approve: the hub committed `sent` (and the batch) with its audit rows and the outbox row; the sending store's audit rows are not written yet",
	FailOpen:         "open: the hub committed `opened` and its audit row; the recipient store's audit row is in the hub's outbox",
	FailDecide:       "accept, decline and handover batch answer: the recipient store committed the decision's key, the new cases, its audit rows and the outbox row; the hub still says `sent`",
	FailReply:        "reply: the hub committed the reply packet and its audit row; the recipient store's audit row is in the hub's outbox",
	FailRevoke:       "revoke and revoke for a case: the hub committed `revoked` (payload erased) and its audit row; the sending store's audit row is in the hub's outbox",
	FailExpire:       "expire: the hub committed `expired` and its audit rows; the sending store audits it at its next sync",
	FailSync:         "sync: the sending store committed the applied replies and the seen steps; the hub has not marked them",
	FailRelayApplied: "relay: the other database committed an outbox row's effect and its key; the source has not marked the row done (it is delivered again, a no-op)",
}

// renderOutbox renders the section of docs/packets.md on the two databases, the relay, the
// invariants and the failpoints.
func renderOutbox(w func(format string, args ...any)) {
	w("\n## Two databases, one commit each\n\n")
	w("No step spans two commits. A step commits in one database its change, its audit rows and an outbox row\n")
	w("(table `outbox`, hub and every store) saying what the other database must do; its key is the packet (the\n")
	w("first of a batch), the step and the target. The relay carries the row over: in the other database it\n")
	w("applies the effects and writes that side's audit rows in one transaction that also records the key in\n")
	w("`applied_steps`, so a second delivery is a no-op; then it marks the row done and clears its body.\n\n")
	w("| step | commits first in | the outbox row carries |\n|---|---|---|\n")
	w("| prepare, handover batch create | sending store (links, persons, store audit) | the packets, the batch envelope, hub audit rows |\n")
	w("| approve, handover batch approve | hub (`sent`, batch `sent`, hub audit) | the sending store's audit rows |\n")
	w("| open, reply | hub (status or reply packet, hub audit) | the recipient store's audit row |\n")
	w("| accept, decline, handover batch answer (store agency) | recipient store (decision key, new cases, store audit) | the statuses, the decision replies, the officials, hub audit rows |\n")
	w("| accept, decline (embassy, NGO) | hub only | — |\n")
	w("| revoke, revoke for a case, reconciliation | hub (`revoked`, hub audit) | the sending store's audit row |\n")
	w("| expire | hub (`expired`, hub audit) | — (the sending store audits it at its sync, once: `applied_steps`) |\n")
	w("| sync | sending store (replies applied, seen steps), then the hub marks them | — (a lost hub commit is redone; the store finds the reply linked and the seen steps claimed) |\n\n")
	w("The relay runs once per database at a time, under a transaction-level advisory lock in that database, so\n")
	w("two server processes never relay the same database at once. It delivers rows in order; a row that fails\n")
	w("holds back the later rows of its packets and is tried again after a backoff (1 s, doubling, at most 1 min).\n")
	w("A step kicks the relay right after its commit (the other side sees it at once); the periodic `relay` job\n")
	w("of each database (internal/jobs, every 2 s) relays what a crash or a failure left. A store's decision stands: accepting a handover the sender revoked\n")
	w("or that expired meanwhile still marks it accepted in the hub, because the person was received.\n\n")
	w("What the user sees is derived from one side: a handover batch's counts and its `answered` status are\n")
	w("counted from its packets (never stored), in the list and on the page alike; answering a batch again the\n")
	w("same way records the officials and decides nothing twice.\n\n")
	w("### Invariants (checked after a crash at every failpoint)\n\n")
	w("1. Every packet's status agrees with the store: no case without an accepted packet, no accepted handover\n")
	w("   without its case, a declined packet has no case.\n")
	w("2. Both audits hold every step — the hub's and each store's — exactly once: nothing lost, nothing applied twice.\n")
	w("3. Every outbox is empty once the relay has run.\n")
	w("4. An accepted packet past its expiry is not found, on every read.\n\n")
	w("### Failpoints\n\n")
	w("A failpoint (internal/failpoint) is a no-op unless a test arms it; armed, it aborts the step there, or\n")
	w("kills the process (a child process's kill test). `internal/handover` crashes a batch's life at each one.\n\n")
	for _, n := range failpoint.Names() {
		w("- `%s`: %s\n", n, failpointDocs[n])
	}
}

// DocFailpoints reads the failpoint names listed in a rendering of docs/packets.md.
func DocFailpoints(doc string) []string {
	_, sec, ok := strings.Cut(doc, "### Failpoints\n")
	if !ok {
		return nil
	}
	var out []string
	for _, l := range strings.Split(sec, "\n") {
		if name, ok := strings.CutPrefix(l, "- `"); ok {
			if i := strings.Index(name, "`"); i > 0 {
				out = append(out, name[:i])
			}
		} else if strings.HasPrefix(l, "#") {
			break
		}
	}
	return out
}
