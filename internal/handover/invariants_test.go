package handover_test

import (
	"testing"

	"gorm.io/gorm"

	"homeward/internal/handover"
)

// checkInvariants checks, after a crash and a restart, the invariants of docs/packets.md:
//  1. every handover packet's status agrees with the receiving store: accepted ⇔ exactly one case
//     made of it (packet_ref), declined or anything else ⇒ none;
//  2. both audits hold every step exactly once (the hub's and the store's): nothing lost, nothing
//     applied twice;
//  3. every outbox is empty (all delivered), and the batch list and detail agree (counts derived).
func checkInvariants(t *testing.T, r *crashRun) {
	t.Helper()
	hub := r.env.App.Hub
	th, _ := r.env.App.Stores.For("TH")
	kh, _ := r.env.App.Stores.For("KH")
	var packets []struct{ ID, Status string }
	if err := hub.Raw(`SELECT id, status FROM packets WHERE kind = 'handover' AND batch_id IN ?`,
		[]string{r.a.ID, r.b.ID, r.c.ID}).Scan(&packets).Error; err != nil {
		t.Fatal(err)
	}
	if len(packets) != 5 {
		t.Fatalf("%d handover packets in the hub, want 5", len(packets))
	}
	for _, p := range packets {
		n := count(t, th.DB, `SELECT count(*) FROM cases WHERE packet_ref = ?`, p.ID)
		if (p.Status == "accepted") != (n == 1) || n > 1 {
			t.Errorf("packet %s is %s in the hub with %d cases in the TH store", p.ID, p.Status, n)
		}
	}
	// No case without an accepted packet, over the whole TH store.
	var refs []string
	if err := th.DB.Raw(`SELECT packet_ref::text FROM cases WHERE packet_ref IS NOT NULL`).Scan(&refs).Error; err != nil {
		t.Fatal(err)
	}
	if n := count(t, hub, `SELECT count(*) FROM packets WHERE id::text IN ? AND status <> 'accepted'`, append(refs, "")); n != 0 {
		t.Errorf("%d cases of the TH store were made of packets the hub does not hold accepted", n)
	}
	pa := r.packets(t, r.a.ID)
	pb, pc := r.packets(t, r.b.ID), r.packets(t, r.c.ID)
	want := []struct {
		db     *gorm.DB
		side   string
		action string
		ids    []string
	}{
		{hub, "hub", "packet.prepare", append(append(append([]string{}, pa...), pb...), pc...)},
		{kh.DB, "KH", "packet.prepare", append(append(append([]string{}, pa...), pb...), pc...)},
		{hub, "hub", "handover.batch.create", []string{r.a.ID, r.b.ID, r.c.ID}},
		{kh.DB, "KH", "handover.batch.add", append(append(append([]string{}, pa...), pb...), pc...)},
		{hub, "hub", "packet.approve", append(append([]string{}, pa...), pc...)},
		{kh.DB, "KH", "packet.approve", append(append([]string{}, pa...), pc...)},
		{hub, "hub", "handover.batch.approve", []string{r.a.ID, r.c.ID}},
		{kh.DB, "KH", "handover.batch.approve", []string{r.a.ID, r.c.ID}},
		{hub, "hub", "packet.open", pa[:1]},
		{th.DB, "TH", "packet.open", pa[:1]},
		{hub, "hub", "packet.accept", pa[:2]},
		{th.DB, "TH", "packet.accept", pa[:2]},
		{hub, "hub", "packet.decline", pa[2:3]},
		{th.DB, "TH", "packet.decline", pa[2:3]},
		{hub, "hub", "handover.batch.answer", []string{r.a.ID}},
		{th.DB, "TH", "packet.reply", pa[:1]},
		{kh.DB, "KH", "packet.accepted", pa[:2]},
		{kh.DB, "KH", "packet.declined", pa[2:3]},
		{hub, "hub", "packet.revoke", pb},
		{kh.DB, "KH", "packet.revoke", pb},
		{hub, "hub", "packet.expire", pc},
		{kh.DB, "KH", "packet.expired", pc},
	}
	for _, w := range want {
		for _, id := range w.ids {
			n := count(t, w.db, `SELECT count(*) FROM audit_log WHERE action = ? AND (entity_id = ? OR detail LIKE '%' || ? || '%')`, w.action, id, id)
			if n != 1 {
				t.Errorf("%s audit holds %s of %s %d times, want once", w.side, w.action, id, n)
			}
		}
	}
	// The replies (three decisions and one note) were each applied once in the KH store.
	applied := 0
	for _, id := range pa {
		applied += count(t, kh.DB, `SELECT count(*) FROM audit_log WHERE action = 'packet.reply_applied' AND detail LIKE '%"reply_to":"' || ? || '"%'`, id)
	}
	if applied != 4 {
		t.Errorf("KH store applied %d replies to batch A, want 4", applied)
	}
	for _, db := range []*gorm.DB{hub, th.DB, kh.DB} {
		if n := count(t, db, `SELECT count(*) FROM outbox WHERE done_at IS NULL`); n != 0 {
			t.Errorf("%d outbox rows not delivered", n)
		}
	}
	checkListAgrees(t, r)
}

func count(t *testing.T, db *gorm.DB, q string, args ...any) int {
	t.Helper()
	var n int
	if err := db.Raw(q, args...).Scan(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}

// checkListAgrees: batch A as the list shows it and as its page shows it (status and counts).
func checkListAgrees(t *testing.T, r *crashRun) {
	t.Helper()
	cw := r.env.Actor(t, khWorker)
	page, err := service(r.env).List(r.ctx, cw, handover.ListFilter{Limit: 50})
	if err != nil {
		t.Fatal(err)
	}
	b, err := service(r.env).Get(r.ctx, cw, r.a.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range page.Items {
		if it.ID == b.ID && (it.Status != b.Status || it.AcceptedCount != b.AcceptedCount || it.DeclinedCount != b.DeclinedCount) {
			t.Errorf("list says %s %d/%d, page says %s %d/%d", it.Status, it.AcceptedCount, it.DeclinedCount, b.Status, b.AcceptedCount, b.DeclinedCount)
		}
	}
	if b.Status != handover.BatchAnswered || b.AcceptedCount != 2 || b.DeclinedCount != 1 {
		t.Errorf("batch A = %s %d/%d, want answered 2/1", b.Status, b.AcceptedCount, b.DeclinedCount)
	}
}
