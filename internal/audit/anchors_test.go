package audit_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"homeward/internal/apptest"
	"homeward/internal/audit"
	"homeward/internal/testdb"
)

// verifyAnchored checks the chain key against the heads the other side recorded, as
// `homeward audit verify` does.
func verifyAnchored(t *testing.T, env *apptest.Env, key string) error {
	t.Helper()
	ctx := context.Background()
	ledgers := map[string]audit.Ledger{}
	for _, l := range env.App.Sealer.Stores() {
		ledgers[l.Name] = l
	}
	hub := env.App.Sealer.Hub()
	var anchors []audit.Anchor
	var err error
	target := hub
	if key == audit.HubName {
		for _, l := range ledgers {
			as, err := audit.AnchorsFor(ctx, l.DB, audit.HubName)
			if err != nil {
				t.Fatal(err)
			}
			anchors = append(anchors, as...)
		}
	} else {
		target = ledgers[key]
		if anchors, err = audit.AnchorsFor(ctx, env.App.Hub, key); err != nil {
			t.Fatal(err)
		}
	}
	if len(anchors) == 0 {
		t.Fatalf("no anchors recorded for %s", key)
	}
	_, err = audit.Check(ctx, target.DB, anchors, target.Key)
	return err
}

// TestAnchorsCatchARewrittenChain: a database's whole chain rewritten consistently verifies on its
// own, but the heads the other side recorded tell — for a store (heads in the hub) and for the hub
// (heads in every store).
func TestAnchorsCatchARewrittenChain(t *testing.T) {
	rewrites := map[string]string{
		"edit":     `UPDATE audit_log SET detail = '{"rewritten":true}' WHERE seq = 5`,
		"truncate": `DELETE FROM audit_log WHERE seq > (SELECT max(seq) - 3 FROM audit_log)`,
		"delete":   `DELETE FROM audit_log WHERE seq = 4`,
	}
	for _, key := range []string{"TH", audit.HubName} {
		for name, edit := range rewrites {
			t.Run(key+" "+name, func(t *testing.T) {
				env := apptest.New(t)
				env.SealAudit(t)
				if err := verifyAnchored(t, env, key); err != nil {
					t.Fatalf("before: %v", err)
				}
				db := env.App.Hub
				if key != audit.HubName {
					st, _ := env.App.Stores.For(key)
					db = st.DB
				}
				env.RewriteAuditChain(t, key, edit)
				if err := audit.Verify(context.Background(), db); err != nil {
					t.Fatalf("the rewritten chain does not verify on its own (the test rewrote it wrong): %v", err)
				}
				err := verifyAnchored(t, env, key)
				var b *audit.Break
				if !errors.As(err, &b) || b.Seq == 0 || !strings.Contains(b.Reason, "rewritten") {
					t.Fatalf("rewritten %s chain with anchors: %v, want a break naming the position", key, err)
				}
			})
		}
	}
}

// TestForgedAnchorRefused: a head written into the hub by hand (no store signed it) is a failure.
func TestForgedAnchorRefused(t *testing.T) {
	env := apptest.New(t)
	env.SealAudit(t)
	testdb.Exec(t, env.Databases["hub"], `INSERT INTO audit_anchors (source, seq, hash, sealed_at, signature)
		VALUES ('TH', 2, '\x00', now(), '\x01')`)
	err := verifyAnchored(t, env, "TH")
	var b *audit.Break
	if !errors.As(err, &b) || b.Seq != 2 || !strings.Contains(b.Reason, "not signed") {
		t.Fatalf("forged anchor: %v", err)
	}
}

// TestPublishIsIdempotent: publishing the same heads again records nothing new.
func TestPublishIsIdempotent(t *testing.T) {
	env := apptest.New(t)
	env.SealAudit(t)
	count := func() (n int64) {
		env.App.Hub.Raw(`SELECT count(*) FROM audit_anchors`).Scan(&n)
		return n
	}
	before := count()
	th := env.App.Sealer.Stores()[0]
	if _, err := audit.Publish(context.Background(), th, env.App.Hub); err != nil {
		t.Fatal(err)
	}
	if after := count(); after != before || before == 0 {
		t.Fatalf("anchors %d -> %d", before, after)
	}
}
