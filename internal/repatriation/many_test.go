package repatriation_test

import (
	"context"
	"regexp"
	"testing"

	"gorm.io/gorm"

	"homeward/internal/apptest"
	"homeward/internal/exchange"
)

// statementsOn counts, from now on, the statements of db that name each table (whole word).
func statementsOn(tb testing.TB, db *gorm.DB, tables ...string) map[string]int {
	tb.Helper()
	counts := map[string]int{}
	res := make(map[string]*regexp.Regexp, len(tables))
	for _, t := range tables {
		res[t] = regexp.MustCompile(`\b` + t + `\b`)
	}
	count := func(tx *gorm.DB) {
		sql := tx.Statement.SQL.String()
		for t, re := range res {
			if re.MatchString(sql) {
				counts[t]++
			}
		}
	}
	if err := db.Callback().Query().After("gorm:query").Register("test:count_query", count); err != nil {
		tb.Fatal(err)
	}
	if err := db.Callback().Create().After("gorm:create").Register("test:count_create", count); err != nil {
		tb.Fatal(err)
	}
	if err := db.Callback().Raw().After("gorm:raw").Register("test:count_raw", count); err != nil {
		tb.Fatal(err)
	}
	return counts
}

// TestApplyRepliesSetBased: a batch of replies to several cases (two to one case) is applied with
// one read and one write of the sections, one read and one write of their steps and one update of
// the steps' activity; replies to one case apply in order, and the section moves one version.
func TestApplyRepliesSetBased(t *testing.T) {
	env := apptest.New(t)
	a, b := returnCase(t, env, "Kanya", "TH"), returnCase(t, env, "Suda", "TH")
	st, _ := env.App.Stores.For("KH")
	orig := &exchange.Packet{ID: "01900000-0000-7000-8000-000000000003", Kind: exchange.KindRepatriation, Recipient: "th-embassy-pnh"}
	items := []exchange.ReplyItem{
		{CaseID: a.ID, Original: orig, Reply: exchange.Payload{"nationality_verified": true, "note": "first"}},
		{CaseID: b.ID, Original: orig, Reply: exchange.Payload{"travel_date": "2026-03-01"}},
		{CaseID: a.ID, Original: orig, Reply: exchange.Payload{"travel_route": "poipet_aranyaprathet", "note": "second"}},
	}
	counts := statementsOn(t, st.DB, "repatriations", "repatriation_steps", "audit_log")
	if err := st.DB.Transaction(func(tx *gorm.DB) error {
		return env.App.Repatriation.ApplyReplies(tx, st, items)
	}); err != nil {
		t.Fatal(err)
	}
	if counts["repatriations"] == 0 || counts["audit_log"] == 0 {
		t.Fatalf("statements not counted: %v", counts)
	}
	for table, most := range map[string]int{"repatriations": 2, "repatriation_steps": 3, "audit_log": 1} {
		if counts[table] > most {
			t.Errorf("%d statements on %s for a batch of %d replies, want at most %d", counts[table], table, len(items), most)
		}
	}
	ra, err := env.App.Repatriation.Get(context.Background(), env.Actor(t, khWorker), a.ID)
	if err != nil {
		t.Fatal(err)
	}
	if ra.NationalityStatus != "verified" || ra.Route != "poipet_aranyaprathet" || ra.Version != 1 {
		t.Errorf("case a: %+v", ra)
	}
	if ra.Embassy == nil || ra.Embassy.Note != "second" {
		t.Errorf("case a's embassy note: %+v, want the later reply's", ra.Embassy)
	}
	rb, err := env.App.Repatriation.Get(context.Background(), env.Actor(t, khWorker), b.ID)
	if err != nil {
		t.Fatal(err)
	}
	if rb.PlannedDate != "2026-03-01" || rb.NationalityStatus == "verified" || len(rb.Steps) == 0 {
		t.Errorf("case b: %+v", rb)
	}
	var audited int64
	st.DB.Raw(`SELECT count(*) FROM audit_log WHERE action = 'repatriation.apply' AND entity_id IN ?`, []string{a.ID, b.ID}).Scan(&audited)
	if audited != 3 {
		t.Errorf("%d audit rows, want one per reply (3)", audited)
	}
}
