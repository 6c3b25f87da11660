package handover_test

import (
	"testing"

	"gorm.io/gorm"

	"homeward/internal/apptest"
)

// soakInvariants checks the invariants over every handover packet after a kill and a restart:
// status agrees with the TH store, each step audited once on each side, every outbox delivered,
// every packet the KH store prepared is in the hub.
func soakInvariants(b *testing.B, env *apptest.Env) {
	b.Helper()
	hub := env.App.Hub
	th, _ := env.App.Stores.For("TH")
	kh, _ := env.App.Stores.For("KH")
	n := func(db *gorm.DB, q string, args ...any) int {
		var c int
		if err := db.Raw(q, args...).Scan(&c).Error; err != nil {
			b.Fatal(err)
		}
		return c
	}
	var ps []struct{ ID, Status string }
	if err := hub.Raw(`SELECT id, status FROM packets WHERE kind = 'handover'`).Scan(&ps).Error; err != nil {
		b.Fatal(err)
	}
	for _, p := range ps {
		cs := n(th.DB, `SELECT count(*) FROM cases WHERE packet_ref = ?`, p.ID)
		if (p.Status == "accepted") != (cs == 1) || cs > 1 {
			b.Fatalf("packet %s is %s with %d TH cases", p.ID, p.Status, cs)
		}
		once := [][2]string{{"hub", "packet.prepare"}, {"KH", "packet.prepare"}}
		switch p.Status {
		case "accepted":
			once = append(once, [2]string{"hub", "packet.accept"}, [2]string{"TH", "packet.accept"})
		case "declined":
			once = append(once, [2]string{"hub", "packet.decline"}, [2]string{"TH", "packet.decline"})
		}
		if p.Status != "pending_approval" {
			once = append(once, [2]string{"hub", "packet.approve"}, [2]string{"KH", "packet.approve"})
		}
		for _, o := range once {
			db := map[string]*gorm.DB{"hub": hub, "TH": th.DB, "KH": kh.DB}[o[0]]
			if c := n(db, `SELECT count(*) FROM audit_log WHERE action = ? AND (entity_id = ? OR detail LIKE '%' || ? || '%')`, o[1], p.ID, p.ID); c != 1 {
				b.Fatalf("%s audit holds %s of %s (%s) %d times, want once", o[0], o[1], p.ID, p.Status, c)
			}
		}
	}
	for name, db := range map[string]*gorm.DB{"hub": hub, "TH": th.DB, "KH": kh.DB} {
		if c := n(db, `SELECT count(*) FROM outbox WHERE done_at IS NULL`); c != 0 {
			b.Fatalf("%d outbox rows of %s not delivered", c, name)
		}
	}
	var out []string
	if err := kh.DB.Raw(`SELECT packet_id::text FROM case_packets WHERE direction = 'out' AND kind = 'handover'`).Scan(&out).Error; err != nil {
		b.Fatal(err)
	}
	if c := n(hub, `SELECT count(*) FROM packets WHERE id::text IN ?`, append(out, "")); c != len(out) {
		b.Fatalf("the KH store links %d handover packets, the hub holds %d", len(out), c)
	}
}
