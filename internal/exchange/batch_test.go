package exchange_test

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"gorm.io/gorm"

	"homeward/internal/authz"
	"homeward/internal/consent"
	"homeward/internal/exchange"
	"homeward/internal/problem"
	"homeward/internal/store"
)

// readyCases makes n Thai nationals in the KH store with the embassy consent given.
func (f *fixture) readyCases(t testing.TB, n int) []string {
	t.Helper()
	ids := make([]string, n)
	for i := range ids {
		c := f.newCase(t, khWorker, "TH")
		f.consent(t, khWorker, c.ID, consent.PurposeShareEmbassy, consent.AnswerGiven)
		ids[i] = c.ID
	}
	return ids
}

func drafts(ids []string) []exchange.CaseDraft {
	out := make([]exchange.CaseDraft, len(ids))
	for i, id := range ids {
		out[i] = exchange.CaseDraft{CaseID: id, Draft: repatriation("th-embassy-pnh", "given_name", "note")}
	}
	return out
}

func statuses(t testing.TB, f *fixture, ids []string) string {
	t.Helper()
	var out []string
	if err := f.env.App.Hub.Raw(`SELECT status FROM packets WHERE id IN ? ORDER BY status`, ids).Scan(&out).Error; err != nil {
		t.Fatal(err)
	}
	return strings.Join(out, ",")
}

func idsOf(ps []*exchange.Packet) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.ID
	}
	return out
}

// TestBatches runs a batch through every step: prepare, approve, open, decide, sync. A refused item
// refuses the whole batch (nothing written, the item named), and every step is audited per packet.
func TestBatches(t *testing.T) {
	f := newFixture(t)
	ids := f.readyCases(t, 3)
	noConsent := f.newCase(t, khWorker, "TH")
	w, sup, emb := f.actor(t, khWorker), f.actor(t, khSupervisor), f.actor(t, thEmbassy)
	kh, hub := f.store(t, "KH"), f.env.App.Hub
	before := count(t, kh, `SELECT count(*) FROM audit_log`)

	// Refused items are reported by index (or by the item's field); nothing is written.
	bad := drafts(ids)
	bad[1].CaseID = noConsent.ID
	bad[2].Fields = []string{"given_name", "travel_route"}
	bad[2].Field = "persons.2"
	_, err := f.x.PrepareMany(ctx, w, bad)
	wantInvalid(t, err, "items.1", "packets.error.consent_missing")
	wantInvalid(t, err, "persons.2", "packets.error.field_not_allowed")
	if inv, _ := problem.AsInvalid(err); len(inv.Fields) != 2 {
		t.Fatalf("invalid = %v, want two items", inv.Fields)
	}
	thCase := f.newCase(t, thWorker, "KH")
	bad = drafts(append([]string{thCase.ID}, ids...))
	_, err = f.x.PrepareMany(ctx, w, bad)
	wantNotFound(t, err, "a case of the other store in a batch")
	if n := count(t, kh, `SELECT count(*) FROM case_packets WHERE case_id IN ?`, ids); n != 0 {
		t.Fatalf("refused batches left %d case packets", n)
	}
	if n := count(t, kh, `SELECT count(*) FROM audit_log`); n != before {
		t.Fatalf("refused batches wrote %d store audit rows", n-before)
	}

	prepared, err := f.x.PrepareMany(ctx, w, drafts(ids))
	if err != nil || len(prepared) != 3 {
		t.Fatalf("prepare many = %d, %v", len(prepared), err)
	}
	pids := idsOf(prepared)
	for i, p := range prepared {
		if p.Status != exchange.StatusPendingApproval || p.ConsentRef == "" || p.Payload["note"] != "family in Surin" {
			t.Fatalf("prepared %d = %+v", i, p)
		}
	}
	if n := count(t, kh, `SELECT count(*) FROM audit_log WHERE action = 'packet.prepare' AND entity_id IN ?`, ids); n != 3 {
		t.Errorf("store prepare audit rows = %d", n)
	}
	if n := count(t, hub, `SELECT count(*) FROM audit_log WHERE action = 'packet.prepare' AND entity_id IN ?`, pids); n != 3 {
		t.Errorf("hub prepare audit rows = %d", n)
	}

	// Approval: a stale version in the batch refuses it all; the preparer is refused too.
	refs := []exchange.Ref{{ID: pids[0], Version: 1}, {ID: pids[1], Version: 7}, {ID: pids[2]}}
	if _, err := f.x.ApproveMany(ctx, sup, refs); !errors.Is(err, problem.ErrConflict) {
		t.Fatalf("stale approve many: %v", err)
	}
	if got := statuses(t, f, pids); got != "pending_approval,pending_approval,pending_approval" {
		t.Fatalf("after a refused approval: %s", got)
	}
	if _, err := f.x.ApproveMany(ctx, w, refs); !errors.Is(err, authz.ErrNotFound) {
		t.Fatalf("caseworker approve many: %v", err)
	}
	refs[1].Version = 1
	sent, err := f.x.ApproveMany(ctx, sup, refs)
	if err != nil || len(sent) != 3 || sent[2].Status != exchange.StatusSent || sent[2].ApprovedBy != sup.UserID {
		t.Fatalf("approve many = %+v, %v", sent, err)
	}
	if n := count(t, kh, `SELECT count(*) FROM audit_log WHERE action = 'packet.approve' AND entity_id IN ?`, ids); n != 3 {
		t.Errorf("store approve audit rows = %d", n)
	}

	// Opening: only the recipient; all payloads at once.
	if _, err := f.x.OpenMany(ctx, f.actor(t, khEmbassy), pids); !errors.Is(err, authz.ErrNotFound) {
		t.Fatalf("other embassy open many: %v", err)
	}
	opened, err := f.x.OpenMany(ctx, emb, pids)
	if err != nil || len(opened) != 3 || opened[1].Payload["given_name"] != "Somchai" || opened[1].Status != exchange.StatusOpened {
		t.Fatalf("open many = %+v, %v", opened, err)
	}
	if n := count(t, hub, `SELECT count(*) FROM audit_log WHERE action = 'packet.open' AND entity_id IN ?`, pids); n != 3 {
		t.Errorf("hub open audit rows = %d", n)
	}

	// Decisions: a decline without a reason, or the same packet twice, refuses the batch.
	_, err = f.x.Decide(ctx, emb, []exchange.Decision{{ID: pids[0], Accept: true}, {ID: pids[1]}})
	wantInvalid(t, err, "items.1", "form.error.required")
	_, err = f.x.Decide(ctx, emb, []exchange.Decision{{ID: pids[0], Accept: true}, {ID: pids[0], Reason: "twice"}})
	if !errors.Is(err, problem.ErrConflict) {
		t.Fatalf("same packet twice: %v", err)
	}
	if got := statuses(t, f, pids); got != "opened,opened,opened" {
		t.Fatalf("after refused decisions: %s", got)
	}
	decided, err := f.x.Decide(ctx, emb, []exchange.Decision{{ID: pids[0], Accept: true}, {ID: pids[1], Accept: true},
		{ID: pids[2], Reason: "not our national"}})
	if err != nil || decided[0].Status != exchange.StatusAccepted || decided[2].Status != exchange.StatusDeclined {
		t.Fatalf("decide = %+v, %v", decided, err)
	}
	if !f.hubPayloadGone(t, pids[2]) || f.hubPayloadGone(t, pids[0]) {
		t.Error("a declined payload must be erased, an accepted one (no receiver) kept until expiry")
	}
	if _, err := f.x.Decide(ctx, emb, []exchange.Decision{{ID: pids[0], Accept: true}}); !errors.Is(err, problem.ErrConflict) {
		t.Fatalf("second decision: %v", err)
	}
	if n := count(t, hub, `SELECT count(*) FROM packets WHERE reply_to IN ? AND kind = 'reply'`, pids); n != 3 {
		t.Fatalf("decision replies = %d", n)
	}

	// One Sync applies the three answers in the KH store.
	if n, err := f.x.Sync(ctx, "KH"); err != nil || n != 3 {
		t.Fatalf("sync = %d, %v", n, err)
	}
	if len(f.applied) != 3 || f.applied[2]["reason"] != "not our national" {
		t.Fatalf("applied = %v", f.applied)
	}
	for _, action := range []string{"packet.opened", "packet.accepted", "packet.declined"} {
		if n := count(t, kh, `SELECT count(*) FROM audit_log WHERE action = ? AND entity_id IN ?`, action, ids); n == 0 {
			t.Errorf("KH store audit %s missing", action)
		}
	}
}

// TestSyncConcurrent runs Syncs of one store at once (two reads and the worker): each reply is
// applied and audited exactly once, and each step of a sent packet audited once in the sending store.
func TestSyncConcurrent(t *testing.T) {
	f := newFixture(t)
	const n = 24
	ids := f.readyCases(t, n)
	w, sup, emb := f.actor(t, khWorker), f.actor(t, khSupervisor), f.actor(t, thEmbassy)
	prepared, err := f.x.PrepareMany(ctx, w, drafts(ids))
	if err != nil {
		t.Fatal(err)
	}
	pids := idsOf(prepared)
	refs := make([]exchange.Ref, n)
	ds := make([]exchange.Decision, n)
	for i, id := range pids {
		refs[i], ds[i] = exchange.Ref{ID: id}, exchange.Decision{ID: id, Accept: i%3 != 0, Reason: "not known"}
	}
	if _, err := f.x.ApproveMany(ctx, sup, refs); err != nil {
		t.Fatal(err)
	}
	if _, err := f.x.OpenMany(ctx, emb, pids[:n/2]); err != nil {
		t.Fatal(err)
	}
	if _, err := f.x.Decide(ctx, emb, ds); err != nil {
		t.Fatal(err)
	}
	for _, i := range []int{1, 2, 4, 5} { // and a few notes on top of the acceptances
		if _, err := f.x.Reply(ctx, emb, pids[i], exchange.Payload{"note": fmt.Sprintf("note %d", i)}); err != nil {
			t.Fatal(err)
		}
	}
	var replies []string
	if err := f.env.App.Hub.Raw(`SELECT id FROM packets WHERE reply_to IN ?`, pids).Scan(&replies).Error; err != nil || len(replies) != n+4 {
		t.Fatalf("replies = %d, %v", len(replies), err)
	}

	start := make(chan struct{})
	var wg sync.WaitGroup
	var mu sync.Mutex
	total := 0
	for g := 0; g < 3; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			<-start
			if g == 2 {
				f.x.Tick(ctx) // the worker leaves the work to a Sync already running
				return
			}
			got, err := f.x.Sync(ctx, "KH")
			if err != nil {
				t.Errorf("sync %d: %v", g, err)
			}
			mu.Lock()
			total += got
			mu.Unlock()
		}(g)
	}
	close(start)
	wg.Wait()
	if left := count(t, f.env.App.Hub, `SELECT count(*) FROM packets WHERE id IN ? AND status <> 'accepted'`, replies); left != 0 {
		t.Fatalf("%d replies left waiting", left)
	}
	if total > len(replies) || len(f.applied) != len(replies) {
		t.Fatalf("syncs reported %d, the applier ran %d times, for %d replies", total, len(f.applied), len(replies))
	}
	kh := f.store(t, "KH")
	once := func(db *gorm.DB, what, q string, args ...any) {
		t.Helper()
		var rows []struct {
			K string
			N int
		}
		if err := db.Raw(q, args...).Scan(&rows).Error; err != nil {
			t.Fatal(err)
		}
		for _, r := range rows {
			if r.N != 1 {
				t.Errorf("%s %s audited %d times", what, r.K, r.N)
			}
		}
	}
	if c := count(t, kh, `SELECT count(*) FROM audit_log WHERE action = 'packet.reply_applied' AND detail::jsonb->>'packet_id' IN ?`, replies); c != len(replies) {
		t.Errorf("store reply_applied rows = %d, want %d", c, len(replies))
	}
	once(kh, "reply (store)", `SELECT detail::jsonb->>'packet_id' AS k, count(*) AS n FROM audit_log WHERE action = 'packet.reply_applied' GROUP BY 1`)
	once(f.env.App.Hub, "reply (hub)", `SELECT entity_id AS k, count(*) AS n FROM audit_log WHERE action = 'packet.reply_applied' AND entity_id IN ? GROUP BY 1`, replies)
	if c := count(t, f.env.App.Hub, `SELECT count(*) FROM audit_log WHERE action = 'packet.reply_applied' AND entity_id IN ?`, replies); c != len(replies) {
		t.Errorf("hub reply_applied rows = %d, want %d", c, len(replies))
	}
	once(kh, "sent packet step", `SELECT (detail::jsonb->>'packet_id') || ' ' || action AS k, count(*) AS n FROM audit_log
WHERE action IN ('packet.opened', 'packet.accepted', 'packet.declined') GROUP BY 1`)
	if c := count(t, kh, `SELECT count(*) FROM audit_log WHERE action IN ('packet.accepted', 'packet.declined') AND entity_id IN ?`, ids); c != n {
		t.Errorf("sender-side decision rows = %d, want %d", c, n)
	}
	if c := count(t, kh, `SELECT count(*) FROM case_packets WHERE packet_id IN ?`, replies); c != len(replies) {
		t.Errorf("case packets of replies = %d", c)
	}
}

// TestSyncApplierFailure: a reply whose (batch) applier fails stays waiting; the others of the
// round are applied, and what the failing one wrote is rolled back.
func TestSyncApplierFailure(t *testing.T) {
	f := newFixture(t)
	ids := f.readyCases(t, 3)
	prepared, err := f.x.PrepareMany(ctx, f.actor(t, khWorker), drafts(ids))
	if err != nil {
		t.Fatal(err)
	}
	pids := idsOf(prepared)
	if _, err := f.x.ApproveMany(ctx, f.actor(t, khSupervisor), []exchange.Ref{{ID: pids[0]}, {ID: pids[1]}, {ID: pids[2]}}); err != nil {
		t.Fatal(err)
	}
	emb := f.actor(t, thEmbassy)
	for i, note := range []string{"ok", "boom", "ok"} {
		if _, err := f.x.Reply(ctx, emb, pids[i], exchange.Payload{"note": note}); err != nil {
			t.Fatal(err)
		}
	}
	var calls int
	var applied []string
	failing := func(tx *gorm.DB, st *store.Store, items []exchange.ReplyItem) error {
		calls++
		for _, it := range items {
			if err := tx.Exec(`UPDATE cases SET updated_at = now() WHERE id = ?`, it.CaseID).Error; err != nil {
				return err
			}
			if it.Reply["note"] == "boom" {
				return tx.Exec(`SELECT 1 / 0`).Error // aborts the statement: the savepoint saves the others
			}
		}
		for _, it := range items {
			applied = append(applied, it.CaseID)
		}
		return nil
	}
	f.plug(exchange.KindRepatriation, func(pl *exchange.Plugin) { pl.Apply = failing })
	n, err := f.x.Sync(ctx, "KH")
	if n != 2 || err == nil || !strings.Contains(err.Error(), "division by zero") {
		t.Fatalf("sync = %d, %v; want 2 applied and the failure", n, err)
	}
	if len(applied) != 2 || applied[0] == ids[1] || applied[1] == ids[1] {
		t.Fatalf("applied = %v", applied)
	}
	var waiting []string
	if err := f.env.App.Hub.Raw(`SELECT p.id FROM packets p WHERE p.reply_to = ? AND p.status = 'sent'`, pids[1]).Scan(&waiting).Error; err != nil || len(waiting) != 1 {
		t.Fatalf("the failed reply should wait: %v, %v", waiting, err)
	}
	if c := count(t, f.store(t, "KH"), `SELECT count(*) FROM case_packets WHERE packet_id = ?`, waiting[0]); c != 0 {
		t.Fatal("the failed reply was recorded in the store")
	}
	// Once the applier works, the next Sync applies it.
	f.plug(exchange.KindRepatriation, func(pl *exchange.Plugin) {
		pl.Apply = func(tx *gorm.DB, st *store.Store, items []exchange.ReplyItem) error {
			for _, it := range items {
				applied = append(applied, it.CaseID)
			}
			return nil
		}
	})
	if n, err := f.x.Sync(ctx, "KH"); n != 1 || err != nil || applied[2] != ids[1] {
		t.Fatalf("second sync = %d, %v (%v)", n, err, applied)
	}
	if calls < 2 {
		t.Fatalf("the batch applier ran %d times: the fallback did not run", calls)
	}
}
