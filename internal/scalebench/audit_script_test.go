package scalebench

import (
	"testing"

	"homeward/internal/apptest"
)

// auditScript is, for pgbench, the audit row a case-list request appends, as audit.Append appends
// it: one INSERT of the unsealed row (id from the identity sequence; the sealer chains it later).
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
	return `INSERT INTO audit_log (at, actor_user_id, actor_agency_id, action, section, entity, entity_id, detail)
VALUES (now(), ` + literal(userID) + `, ` + literal(agencyID) + `, 'case.list', ` + literal(section) + `, 'case', '', ` + detail + `);
`
}
