package main

import (
	"strings"
	"testing"

	"homeward/internal/apptest"
	"homeward/internal/testdb"
)

// TestAuditVerifyCommandAnchors: a store's chain rewritten whole verifies on its own, but the
// command checks the heads the hub recorded and exits 1 naming the position; the other chains stay
// intact (exit 0). The same for the hub, through the heads in the stores.
func TestAuditVerifyCommandAnchors(t *testing.T) {
	env := apptest.New(t)
	useEnv(t, env)
	code, err, out := capture(t, "audit", "verify")
	if code != 0 || err != nil || strings.Count(out, "intact") != 3 || !strings.Contains(out, "rows sealed") || !strings.Contains(out, "published heads checked") {
		t.Fatalf("intact: code %d, err %v, out %q", code, err, out)
	}
	env.RewriteAuditChain(t, "TH", `UPDATE audit_log SET detail = '{}' WHERE seq = 3`)
	code, _, out = capture(t, "audit", "verify", "--db", "TH")
	if code != 1 || !strings.Contains(out, "BROKEN") || !strings.Contains(out, "rewritten") {
		t.Fatalf("rewritten TH: code %d, out %q", code, out)
	}
	if code, _, out = capture(t, "audit", "verify", "--db", "KH"); code != 0 {
		t.Fatalf("KH: code %d, out %q", code, out)
	}
	env.RewriteAuditChain(t, "hub", `DELETE FROM audit_log WHERE seq = 2`)
	code, _, out = capture(t, "audit", "verify", "--db", "hub")
	if code != 1 || !strings.Contains(out, "hub: BROKEN") {
		t.Fatalf("rewritten hub: code %d, out %q", code, out)
	}
	if code, _, _ = capture(t, "audit", "verify", "--db", "XX"); code != 2 {
		t.Fatalf("unknown database: code %d, want 2", code)
	}
}

// TestAuditVerifyCommandUnsealed: rows not yet sealed are reported, and one waiting longer than the
// bound fails the check.
func TestAuditVerifyCommandUnsealed(t *testing.T) {
	env := apptest.New(t)
	useEnv(t, env)
	testdb.Exec(t, env.Databases["KH"], `INSERT INTO audit_log (at, action) VALUES (now(), 'case.read')`)
	code, _, out := capture(t, "audit", "verify", "--db", "KH")
	if code != 0 || !strings.Contains(out, "1 not yet sealed") {
		t.Fatalf("young unsealed row: code %d, out %q", code, out)
	}
	testdb.Exec(t, env.Databases["KH"], `UPDATE audit_log SET appended_at = now() - interval '5 minutes' WHERE seq IS NULL`)
	code, _, out = capture(t, "audit", "verify", "--db", "KH")
	if code != 1 || !strings.Contains(out, "the sealer is not running") {
		t.Fatalf("old unsealed row: code %d, out %q", code, out)
	}
}
