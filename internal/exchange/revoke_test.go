package exchange_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"homeward/internal/apptest"
	"homeward/internal/authz"
	"homeward/internal/cases"
	"homeward/internal/consent"
	"homeward/internal/exchange"
	"homeward/internal/problem"
	"homeward/internal/store"
)

// statusOf reads a packet's status and reason in the hub.
func (f *fixture) statusOf(t testing.TB, id string) (string, string) {
	t.Helper()
	var r struct{ Status, Reason string }
	if err := f.env.App.Hub.Raw(`SELECT status, reason FROM packets WHERE id = ?`, id).Scan(&r).Error; err != nil {
		t.Fatal(err)
	}
	return r.Status, r.Reason
}

// acceptedRepatriation sends a repatriation packet of a new Thai national's case in the KH store
// and has the Thai embassy open and accept it: its payload stays held for the embassy.
func (f *fixture) acceptedRepatriation(t testing.TB) (*cases.Case, *exchange.Packet) {
	t.Helper()
	c := f.newCase(t, khWorker, "TH")
	f.consent(t, khWorker, c.ID, consent.PurposeShareEmbassy, consent.AnswerGiven)
	p := f.sent(t, khWorker, khSupervisor, c.ID, repatriation("th-embassy-pnh", "given_name", "nationality"))
	emb := f.actor(t, thEmbassy)
	if _, err := f.x.Open(ctx, emb, p.ID); err != nil {
		t.Fatal(err)
	}
	acc, err := f.x.Accept(ctx, emb, p.ID)
	if err != nil || acc.Status != exchange.StatusAccepted {
		t.Fatalf("accept = %+v, %v", acc, err)
	}
	if f.hubPayloadGone(t, p.ID) {
		t.Fatal("an accepted repatriation packet should still hold its payload for the embassy")
	}
	if _, err := f.x.Open(ctx, emb, p.ID); err != nil {
		t.Fatalf("open after accept: %v", err)
	}
	return c, p
}

// wantGone checks that the embassy can no longer open the packet and that the hub erased it.
func (f *fixture) wantGone(t testing.TB, id, status, reason string) {
	t.Helper()
	_, err := f.x.Open(ctx, f.actor(t, thEmbassy), id)
	wantNotFound(t, err, "open")
	if !f.hubPayloadGone(t, id) {
		t.Fatal("payload still in the hub")
	}
	if st, rs := f.statusOf(t, id); st != status || rs != reason {
		t.Fatalf("packet = %s (%s), want %s (%s)", st, rs, status, reason)
	}
}

// High 2: withdrawing consent, closing the case and revoking by hand reach accepted packets whose
// payload the recipient still holds.
func TestRevokeAccepted(t *testing.T) {
	f := newFixture(t)

	t.Run("withdrawal", func(t *testing.T) {
		c, p := f.acceptedRepatriation(t)
		if _, err := f.env.App.Consent.Withdraw(ctx, f.actor(t, khWorker), c.ID, consent.PurposeShareEmbassy,
			answer(consent.PurposeShareEmbassy, consent.AnswerWithdrawn)); err != nil {
			t.Fatal(err)
		}
		f.wantGone(t, p.ID, "revoked", "consent_withdrawn")
	})

	t.Run("closing the case", func(t *testing.T) {
		c, p := f.acceptedRepatriation(t)
		if _, err := f.env.App.Cases.Transition(ctx, f.actor(t, khSupervisor), c.ID,
			cases.TransitionInput{To: cases.StageClosed, Reason: "lost_contact", Version: c.Version}); err != nil {
			t.Fatal(err)
		}
		f.wantGone(t, p.ID, "revoked", "case_closed")
	})

	t.Run("by hand", func(t *testing.T) {
		c, p := f.acceptedRepatriation(t)
		out, err := f.x.Revoke(ctx, f.actor(t, khWorker), p.ID, "The person went home on their own.")
		if err != nil || out.Status != exchange.StatusRevoked {
			t.Fatalf("revoke accepted = %+v, %v", out, err)
		}
		f.wantGone(t, p.ID, "revoked", "revoked")
		if count(t, f.store(t, "KH"), `SELECT count(*) FROM audit_log WHERE action = 'packet.revoke' AND entity_id = ?`, c.ID) != 1 {
			t.Error("store audit of the revocation missing")
		}
		if _, err := f.x.Revoke(ctx, f.actor(t, khWorker), p.ID, "again"); !errors.Is(err, problem.ErrConflict) {
			t.Fatalf("second revoke: %v, want conflict", err)
		}
	})

	t.Run("accepted past expiry before the worker", func(t *testing.T) {
		_, p := f.acceptedRepatriation(t)
		f.x.WithClock(func() time.Time { return time.Now().Add(61 * 24 * time.Hour) })
		defer f.x.WithClock(time.Now)
		_, err := f.x.Open(ctx, f.actor(t, thEmbassy), p.ID)
		wantNotFound(t, err, "open past expiry")
		if !f.hubPayloadGone(t, p.ID) {
			t.Fatal("payload of an accepted packet past its expiry still in the hub")
		}
	})
}

// A handover accepted through its Receiver keeps its status: its payload was erased at accept and
// the sender's applier relies on "accepted".
func TestRevokeLeavesReceivedHandover(t *testing.T) {
	f := newFixture(t)
	c := f.newCase(t, khWorker, "TH")
	f.consent(t, khWorker, c.ID, consent.PurposeCrossBorderHandover, consent.AnswerGiven)
	target := f.newCase(t, thWorker, "TH")
	f.plug(exchange.KindHandover, func(pl *exchange.Plugin) {
		pl.Receive = eachPacket(func(ctx context.Context, tx *gorm.DB, st *store.Store, a *authz.Actor, p *exchange.Packet) (string, error) {
			return target.Reference, nil
		})
	})
	d := exchange.Draft{Kind: exchange.KindHandover, Recipient: "th-msdhs-sakaeo", Fields: []string{"given_name"}, BatchID: uuid.NewString()}
	p := f.sent(t, khWorker, khSupervisor, c.ID, d)
	if _, err := f.x.Accept(ctx, f.actor(t, thSupervisor), p.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.x.Revoke(ctx, f.actor(t, khWorker), p.ID, "too late"); !errors.Is(err, problem.ErrConflict) {
		t.Fatalf("revoke a received handover: %v, want conflict", err)
	}
	n, err := f.x.RevokeForCase(ctx, f.actor(t, khSupervisor), c.ID, "", "case closed")
	if err != nil || n != 0 {
		t.Fatalf("revoke for case = %d, %v", n, err)
	}
	if st, _ := f.statusOf(t, p.ID); st != "accepted" {
		t.Fatalf("received handover = %s, want accepted", st)
	}
}

// High 3: a closed case sends nothing; a handover only through a batch.
func TestClosedCaseAndLoneHandover(t *testing.T) {
	f := newFixture(t)
	c := f.newCase(t, khWorker, "TH")
	f.consent(t, khWorker, c.ID, consent.PurposeShareEmbassy, consent.AnswerGiven)
	f.consent(t, khWorker, c.ID, consent.PurposeCrossBorderHandover, consent.AnswerGiven)
	w, sup := f.actor(t, khWorker), f.actor(t, khSupervisor)

	_, err := f.x.Prepare(ctx, w, c.ID, exchange.Draft{Kind: exchange.KindHandover, Recipient: "th-msdhs-sakaeo", Fields: []string{"given_name"}})
	wantInvalid(t, err, "kind", "packets.error.handover_batch_only")

	pending, err := f.x.Prepare(ctx, w, c.ID, repatriation("th-embassy-pnh", "given_name"))
	if err != nil {
		t.Fatal(err)
	}
	// The case closes without its packets being revoked (a hook that failed, a race): approving
	// and preparing are refused all the same.
	if err := f.store(t, "KH").Exec(`UPDATE cases SET stage = 'closed' WHERE id = ?`, c.ID).Error; err != nil {
		t.Fatal(err)
	}
	_, err = f.x.Approve(ctx, sup, pending.ID, pending.Version)
	wantInvalid(t, err, "case", "packets.error.case_closed")
	_, err = f.x.ApproveMany(ctx, sup, []exchange.Ref{{ID: pending.ID, Version: pending.Version}})
	wantInvalid(t, err, "items.0", "packets.error.case_closed")
	_, err = f.x.Prepare(ctx, w, c.ID, repatriation("th-embassy-pnh", "given_name"))
	wantInvalid(t, err, "case", "packets.error.case_closed")
	_, err = f.x.PrepareMany(ctx, w, []exchange.CaseDraft{{CaseID: c.ID, Draft: repatriation("th-embassy-pnh", "given_name")}})
	wantInvalid(t, err, "items.0", "packets.error.case_closed")
	if st, _ := f.statusOf(t, pending.ID); st != "pending_approval" {
		t.Fatalf("packet of the closed case = %s", st)
	}
	if n := count(t, f.env.App.Hub, `SELECT count(*) FROM packets`); n != 1 {
		t.Fatalf("%d packets, want only the first", n)
	}
}

// insertAnswer writes a consent answer straight into the store, as if the revocation hook after
// the consent's transaction had failed.
func (f *fixture) insertAnswer(t testing.TB, cc, caseID string, p consent.Purpose, answer consent.Answer) {
	t.Helper()
	db := f.store(t, cc)
	var prev []string
	if err := db.Raw(`SELECT id FROM consents c WHERE case_id = ? AND purpose = ?
AND NOT EXISTS (SELECT 1 FROM consents n WHERE n.supersedes = c.id)`, caseID, string(p)).Scan(&prev).Error; err != nil {
		t.Fatal(err)
	}
	var sup *string
	if len(prev) == 1 {
		sup = &prev[0]
	}
	a := f.actor(t, khWorker)
	if err := db.Exec(`INSERT INTO consents (id, case_id, purpose, answer, answered_on, method, language, recorded_by, recorded_at, supersedes)
VALUES (?, ?, ?, ?, current_date, 'spoken', 'th', ?, now(), ?)`, uuid.NewString(), caseID, string(p), string(answer), a.UserID, sup).Error; err != nil {
		t.Fatal(err)
	}
}

// Medium 4: a withdrawal whose revocation did not run is caught up by the next worker tick.
func TestReconcileConsent(t *testing.T) {
	f := newFixture(t)

	// share_embassy withdrawn behind the exchange's back: a sent and an accepted packet.
	c := f.newCase(t, khWorker, "TH")
	f.consent(t, khWorker, c.ID, consent.PurposeShareEmbassy, consent.AnswerGiven)
	f.consent(t, khWorker, c.ID, consent.PurposeShareNGO, consent.AnswerGiven)
	sent := f.sent(t, khWorker, khSupervisor, c.ID, repatriation("th-embassy-pnh", "given_name"))
	ac, acc := f.acceptedRepatriation(t)
	ref := f.sent(t, khWorker, khSupervisor, c.ID, exchange.Draft{Kind: exchange.KindReferral, Recipient: "ngo-kh-shelter", Fields: []string{"first_name"}})
	f.insertAnswer(t, "KH", c.ID, consent.PurposeShareEmbassy, consent.AnswerWithdrawn)
	f.insertAnswer(t, "KH", ac.ID, consent.PurposeShareEmbassy, consent.AnswerWithdrawn)

	// notify_home_country refused behind its back: the packet to the Thai embassy goes.
	hc := f.newCase(t, khWorker, "TH")
	f.consent(t, khWorker, hc.ID, consent.PurposeShareEmbassy, consent.AnswerGiven)
	home := f.sent(t, khWorker, khSupervisor, hc.ID, repatriation("th-embassy-pnh", "given_name"))
	f.insertAnswer(t, "KH", hc.ID, consent.PurposeNotifyHomeCountry, consent.AnswerRefused)

	// A supervisor's override made after a refusal is not undone by it.
	oc := f.newCase(t, khWorker, "TH")
	f.consent(t, khWorker, oc.ID, consent.PurposeShareEmbassy, consent.AnswerRefused)
	d := repatriation("th-embassy-pnh", "given_name")
	d.Override = "Embassy must verify nationality before the bus leaves."
	over, err := f.x.Prepare(ctx, f.actor(t, khSupervisor), oc.ID, d)
	if err != nil || !over.Override {
		t.Fatalf("override = %+v, %v", over, err)
	}

	f.x.Tick(ctx)
	f.wantGone(t, sent.ID, "revoked", "consent_withdrawn")
	f.wantGone(t, acc.ID, "revoked", "consent_withdrawn")
	f.wantGone(t, home.ID, "revoked", "consent_withdrawn")
	if st, _ := f.statusOf(t, ref.ID); st != "sent" {
		t.Errorf("referral (another purpose) = %s, want sent", st)
	}
	if st, _ := f.statusOf(t, over.ID); st != "pending_approval" {
		t.Errorf("override after the refusal = %s, want pending_approval", st)
	}
	hubRows := count(t, f.env.App.Hub, `SELECT count(*) FROM audit_log WHERE action = 'packet.revoke' AND entity_id IN ? AND detail LIKE '%consent_withdrawn%'`,
		[]string{sent.ID, acc.ID, home.ID})
	storeRows := count(t, f.store(t, "KH"), `SELECT count(*) FROM audit_log WHERE action = 'packet.revoke_for_case' AND entity_id IN ?`,
		[]string{c.ID, ac.ID, hc.ID})
	if hubRows != 3 || storeRows != 3 {
		t.Fatalf("audit rows: hub %d, store %d, want 3 and 3", hubRows, storeRows)
	}
	// Idempotent: nothing more to do, nothing more audited; Sync runs the same pass.
	f.x.Tick(ctx)
	if _, err := f.x.Sync(ctx, "KH"); err != nil {
		t.Fatal(err)
	}
	if n := count(t, f.env.App.Hub, `SELECT count(*) FROM audit_log WHERE action = 'packet.revoke'`); n != 3 {
		t.Fatalf("hub revoke rows after more ticks = %d, want 3", n)
	}
}

// Issue 13: a revocation commits in the hub with an outbox row carrying the sending store's audit
// row. When the store refuses that row, the revocation stands (the recipient reads nothing more),
// the row waits in the hub's outbox with its error, and the relay writes it exactly once later.
func TestRevokeStoreAuditFailure(t *testing.T) {
	f := newFixture(t)
	c := f.newCase(t, khWorker, "TH")
	f.consent(t, khWorker, c.ID, consent.PurposeShareEmbassy, consent.AnswerGiven)
	p := f.sent(t, khWorker, khSupervisor, c.ID, repatriation("th-embassy-pnh", "given_name"))
	injected := errors.New("injected store audit failure")
	db := f.store(t, "KH")
	// audit.Append inserts its rows with one raw INSERT; the action names are among its values.
	if err := db.Callback().Raw().Before("gorm:raw").Register("test:fail_revoke_audit", func(tx *gorm.DB) {
		if !strings.HasPrefix(tx.Statement.SQL.String(), "INSERT INTO audit_log") {
			return
		}
		for _, v := range tx.Statement.Vars {
			if s, ok := v.(string); ok && strings.HasPrefix(s, "packet.revoke") {
				tx.AddError(injected)
			}
		}
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.x.Revoke(ctx, f.actor(t, khWorker), p.ID, "sent by mistake"); err != nil {
		t.Fatalf("revoke = %v, want it done in the hub", err)
	}
	if st, _ := f.statusOf(t, p.ID); st != "revoked" || !f.hubPayloadGone(t, p.ID) {
		t.Fatalf("packet = %s after the revocation, want revoked without its payload", st)
	}
	if n := count(t, f.env.App.Hub, `SELECT count(*) FROM outbox WHERE done_at IS NULL AND attempts > 0 AND last_error LIKE '%injected%'`); n != 1 {
		t.Fatalf("outbox rows waiting with the error = %d, want 1", n)
	}
	if n := count(t, db, `SELECT count(*) FROM audit_log WHERE action = 'packet.revoke' AND entity_id = ?`, c.ID); n != 0 {
		t.Fatalf("store revoke rows while refused = %d, want 0", n)
	}
	if err := db.Callback().Raw().Remove("test:fail_revoke_audit"); err != nil {
		t.Fatal(err)
	}
	if err := f.env.App.Hub.Exec(`UPDATE outbox SET next_at = now() - interval '1 day'`).Error; err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if err := f.x.RelayAll(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if n := count(t, db, `SELECT count(*) FROM audit_log WHERE action = 'packet.revoke' AND entity_id = ?`, c.ID); n != 1 {
		t.Fatalf("store revoke rows after the relay = %d, want 1", n)
	}
	if n := count(t, f.env.App.Hub, `SELECT count(*) FROM outbox WHERE done_at IS NULL`); n != 0 {
		t.Fatalf("outbox rows left = %d, want 0", n)
	}
}

// BenchmarkSyncReconcile is the reconciliation every Sync runs first (a store agency's inbox and
// case reads sync): 100 cases whose embassy consent was withdrawn behind the exchange's back, their
// packets revoked by the first pass, then Sync with nothing left to apply or revoke.
func BenchmarkSyncReconcile(b *testing.B) {
	f := newFixture(b)
	ids := f.readyCases(b, 100)
	ps, err := f.x.PrepareMany(ctx, f.actor(b, khWorker), drafts(ids))
	if err != nil {
		b.Fatal(err)
	}
	refs := make([]exchange.Ref, len(ps))
	for i, p := range ps {
		refs[i] = exchange.Ref{ID: p.ID, Version: p.Version}
	}
	if _, err := f.x.ApproveMany(ctx, f.actor(b, khSupervisor), refs); err != nil {
		b.Fatal(err)
	}
	for _, id := range ids {
		f.insertAnswer(b, "KH", id, consent.PurposeShareEmbassy, consent.AnswerWithdrawn)
	}
	if _, err := f.x.Sync(ctx, "KH"); err != nil {
		b.Fatal(err)
	}
	if n := count(b, f.env.App.Hub, `SELECT count(*) FROM packets WHERE status = 'revoked'`); n != len(ids) {
		b.Fatalf("%d packets revoked by the first pass, want %d", n, len(ids))
	}
	one := func() error { _, err := f.x.Sync(ctx, "KH"); return err }
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := one(); err != nil {
			b.Fatal(err)
		}
	}
	p95 := apptest.P95(b, 100, one)
	b.ReportMetric(float64(p95.Microseconds())/1000, "p95-ms")
}
