package exchange

import (
	"fmt"
	"slices"
	"strings"
)

// DocsRegenerate is the command that rewrites docs/packets.md from the registered kinds' specs.
const DocsRegenerate = "go test ./internal/exchange -run TestDocsFile -update"

// RenderDocs renders docs/packets.md: the kinds, the consent each relies on, who may receive it,
// its allow-list and default expiry, and the reply allow-lists — all from specs, the registered
// kinds' (Service.Specs of the application's exchange).
func RenderDocs(specs []Spec) string {
	specs = slices.Clone(specs)
	slices.SortFunc(specs, func(a, b Spec) int { return strings.Compare(string(a.Kind), string(b.Kind)) })
	var b strings.Builder
	w := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	w("# Packets\n\n")
	w("<!-- Generated from the registered kinds (each kind's Plugin); do not edit. Regenerate with: %s -->\n\n", DocsRegenerate)
	w("A packet is the only way case data leaves a country store (DESIGN.md §1). It carries a projection of\n")
	w("fields taken from its kind's allow-list, sealed (AEAD) with a keyset of its recipient agency (hub table\n")
	w("`agency_keys`, wrapped by the master key; the associated data binds packet id and recipient). A caseworker\n")
	w("prepares it (`pending_approval`), a supervisor other than the preparer approves it (`sent`); the recipient\n")
	w("opens (`opened`), accepts or declines it (`accepted`, `declined`); the sender may revoke it (`revoked`), and\n")
	w("it expires (`expired`). Revoking, expiring and declining erase the payload: the row and its history stay.\n")
	w("Replies (`reply`) travel back to the sender and are applied to the sending store by its own sync (a\n")
	w("worker every 30 s, and the start of its inbox and case-packet reads), never by a request of the other country.\n\n")
	w("## Rules\n\n")
	w("- The kind's consent purpose must be in force, or a supervisor gives a written override (audited; the\n")
	w("  reason stays in the sending store's audit log).\n")
	w("- If the person refused (or withdrew) `notify_home_country`, no packet goes to an embassy serving their\n")
	w("  nationality or to an agency of their nationality's store, override or not.\n")
	w("- An embassy receives packets only about its own nationals; a handover goes only to the other country's agency,\n")
	w("  and only from a handover batch (never from the generic packet form or API).\n")
	w("- A kind may keep its packets to its own package (`Plugin.OwnPath`): `linkage_ask` is prepared only by asking about a\n")
	w("  possible match (docs/linkage.md), never from the generic packet form or API.\n")
	w("- A closed case sends nothing: preparing or approving a packet of a closed case is refused.\n")
	w("- Withdrawing or refusing a consent revokes the packets relying on it that the recipient can still read\n")
	w("  (outstanding, or accepted with the payload still held: repatriation, referral); closing a case revokes all\n")
	w("  of them. A handover accepted into the other store stays accepted (its payload was erased at accept).\n")
	w("  The worker's sync catches up on a revocation that failed after the answer or the close was saved.\n")
	w("- An accepted packet keeps its payload for the recipient until it expires (or is revoked), then it is erased.\n")
	w("- Every step is audited in the hub (both agencies in the detail) and in the store of each side that has one.\n\n")
	w("## Kinds\n\n")
	w("| kind | consent purpose | recipients | default expiry | allow-listed fields |\n|---|---|---|---|---|\n")
	for _, s := range specs {
		w("| `%s` | `%s` | %s | %d days | %s |\n", s.Kind, s.Purpose, code(s.RecipientKinds), int(s.TTL.Hours()/24), code(s.Fields))
	}
	w("\n## Replies\n\n")
	w("A reply's fields must come from the list of the kind it answers (anything else is refused, naming the field).\n")
	w("Accepting or declining sends a reply too, with `decision` (`accepted` or `declined`) and, on a decline,\n")
	w("`reason`; a handover's adds `accepted` and `new_case_ref` or `declined`, a referral's adds `status`.\n\n")
	w("| answers | reply fields |\n|---|---|\n")
	for _, s := range specs {
		w("| `%s` | %s |\n", s.Kind, code(s.ReplyFields))
	}
	renderPlugins(w, specs)
	w("\n## Statuses\n\n")
	for _, s := range Statuses {
		w("- `%s`\n", s)
	}
	renderOutbox(w)
	return b.String()
}

func code(list []string) string {
	out := make([]string, len(list))
	for i, s := range list {
		out[i] = "`" + s + "`"
	}
	return strings.Join(out, ", ")
}

// renderPlugins renders how a kind plugs into the exchange (docs/packets.md, "One value per kind").
func renderPlugins(w func(format string, args ...any), specs []Spec) {
	w("\n## One value per kind\n\n")
	w("The exchange knows a kind only through one registered value, an `exchange.Plugin` (internal/exchange/plugin.go):\n")
	w("its `Spec` (the consent purpose, the recipient agency kinds, the allow-list, the reply fields and the default\n")
	w("expiry: the tables above) and its hooks, each batch-shaped (many packets of the kind in one transaction):\n\n")
	w("| hook | runs | when nil |\n|---|---|---|\n")
	w("| `Project` | prepare, in the sending store: the full allow-listed payload of each case | the draft's extra fields are the payload |\n")
	w("| `Receive` | accept, in the accepting store: the new cases, their references | accepting creates nothing there; the payload stays readable until it expires |\n")
	w("| `Apply` | sync, in the sending store: the replies' effect on its cases | replies change nothing there |\n")
	w("| `CheckReply` | reply, before it is sent: refuses what `Apply` could not read | any allow-listed value |\n\n")
	w("Registered kinds: ")
	kinds := make([]string, len(specs))
	for i, s := range specs {
		kinds[i] = string(s.Kind)
	}
	w("%s (`crossmatch.Service.Plugin`, `handover.Service.Plugin`, `repatriation.Service.Plugin`, `services.Plugin`,\n", code(kinds))
	w("all in the one registry of internal/app, `kinds.go`).\n\n")
	w("Adding a kind is:\n\n")
	w("1. one `exchange.Plugin` value beside its domain code: its `Spec` and the hooks it needs;\n")
	w("2. one line in the registry of internal/app (`kinds.go`), then regenerate this page: `%s`;\n", DocsRegenerate)
	w("3. its `Kind` name is its own (the exchange declares only the kinds its rules name);\n")
	w("4. its migrations (the tables its hooks write), its i18n keys (`packet.kind.*`, `packets.field.*` of every field and reply field,\n")
	w("   in en, th and km: a test fails on a missing one) and this page.\n")
}
