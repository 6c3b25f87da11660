package scalebench

import (
	"testing"

	"homeward/internal/apptest"
)

// auditScript is, for pgbench, the audit row a case-list request appends, as internal/audit
// appends it on this branch: lock the chain's head, insert the next row with its hashes, move the
// head. (When the audit sealer replaces the head lock, this script follows audit.Append.)
func auditScript(b *testing.B, env *apptest.Env, userID, agencyID string) string {
	b.Helper()
	var section string
	st, err := env.App.Stores.For(apptest.ScaleCountry)
	if err != nil {
		b.Fatal(err)
	}
	if err := st.DB.Raw(`SELECT section FROM audit_log WHERE action = 'case.list' ORDER BY id DESC LIMIT 1`).Scan(&section).Error; err != nil || section == "" {
		b.Fatalf("no case.list audit row to copy the section of: %v", err)
	}
	// pgbench reads every ":name" as a variable, even inside a literal: the detail's colons are chr(58).
	detail := "replace(" + literal(`{"assigned"#false,"minor"#null,"nationality"#"","operation"#"","pending_approval"#false,"rows"#50,"searched"#false,"stage"#""}`) + ", '#', chr(58))"
	return `SELECT last_id AS lid, encode(last_hash, 'hex') AS lh FROM audit_head WHERE id = 1 FOR UPDATE \gset
INSERT INTO audit_log (id, at, actor_user_id, actor_agency_id, action, section, entity, entity_id, detail, prev_hash, hash)
VALUES (:lid::bigint + 1, now(), ` + literal(userID) + `, ` + literal(agencyID) + `, 'case.list', ` + literal(section) + `, 'case', '', ` + detail + `,
        decode(:lh::text, 'hex'), sha256(decode(:lh::text, 'hex') || convert_to(` + detail + `, 'UTF8')));
UPDATE audit_head SET last_id = :lid::bigint + 1, last_hash = sha256(decode(:lh::text, 'hex') || convert_to(` + detail + `, 'UTF8')) WHERE id = 1;
`
}
