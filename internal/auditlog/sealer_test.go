package auditlog_test

import (
	"context"
	"testing"
	"time"

	"homeward/internal/apptest"
	"homeward/internal/audit"
	"homeward/internal/auditlog"
)

// TestConsoleShowsUnsealedRows: a row not yet sealed is a real event: the console lists it, and
// its chain check counts it without failing.
func TestConsoleShowsUnsealedRows(t *testing.T) {
	env := apptest.New(t)
	ctx := context.Background()
	svc, auditor := env.App.Audit, env.Actor(t, thAuditor)
	caseID, _, ref := aCase(t, env, "TH")
	appendAt(t, env, "TH", time.Now(), audit.ByActor(env.Actor(t, thWorker), audit.CaseRead, "case", caseID, nil))
	var unsealed int64
	storeDB(t, env, "TH").Raw(`SELECT count(*) FROM audit_log WHERE seq IS NULL AND entity_id = ?`, caseID).Scan(&unsealed)
	if unsealed != 1 {
		t.Fatalf("unsealed rows of the case = %d, want 1", unsealed)
	}
	p, err := svc.Search(ctx, auditor, auditlog.Filter{Case: ref, Action: audit.CaseRead.Name()})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Items) == 0 {
		t.Fatal("the unsealed row is not listed")
	}
	if err := svc.StartVerify(ctx, auditor); err != nil {
		t.Fatal(err)
	}
	svc.Wait()
	s, err := svc.Chain(ctx, auditor)
	// The check's own audit row (written when it started) is unsealed too.
	if err != nil || s.Status != auditlog.ChainIntact || s.Unsealed < 1 {
		t.Fatalf("chain with unsealed rows: %+v %v", s, err)
	}
}

// TestConsoleCheckUsesTheHubsAnchors: a store chain rewritten whole is found by the console's
// check through the heads the store published into the hub.
func TestConsoleCheckUsesTheHubsAnchors(t *testing.T) {
	env := apptest.New(t)
	ctx := context.Background()
	svc, auditor := env.App.Audit, env.Actor(t, thAuditor)
	env.RewriteAuditChain(t, "TH", `UPDATE audit_log SET detail = '{}' WHERE seq = 4`)
	if err := svc.StartVerify(ctx, auditor); err != nil {
		t.Fatal(err)
	}
	svc.Wait()
	s, err := svc.Chain(ctx, auditor)
	if err != nil || s.Status != auditlog.ChainBroken || s.Reason == "" {
		t.Fatalf("rewritten chain: %+v %v", s, err)
	}
}
