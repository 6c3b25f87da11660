package services_test

import (
	"context"
	"strings"
	"testing"

	"gorm.io/gorm"

	"homeward/internal/exchange"
	"homeward/internal/services"
)

// TestReferralRepliesNeedTheDecision: an NGO cannot move a referral by replying with a status it
// was never given: completed, declined or accepted posted as a reply before accepting change
// nothing (audited as skipped); accepted/declined come only from the decision reply; progress and
// completion count only once the hub has the referral accepted.
func TestReferralRepliesNeedTheDecision(t *testing.T) {
	f := newFixture(t, true)
	ctx := context.Background()
	r, p := f.refer(t, 0)
	ngo := f.actor(t, thNGO)
	if _, err := f.env.App.Exchange.Open(ctx, ngo, p.ID); err != nil {
		t.Fatal(err)
	}
	before := f.service(t, r.ID)
	for _, reply := range []exchange.Payload{
		{"status": "completed", "outcome": "Claim filed"},
		{"status": "in_progress"},
		{"status": "declined", "reason": "No lawyer"},
		{"status": "accepted"},
	} {
		if _, err := f.env.App.Exchange.Reply(ctx, ngo, p.ID, reply); err != nil {
			t.Fatalf("reply %v: %v", reply, err)
		}
		s := f.service(t, r.ID) // List applies the waiting replies first
		if s.Status != before.Status || s.ReferralStatus != before.ReferralStatus || s.Outcome != "" || s.EndDate != nil {
			t.Fatalf("after %v before accepting: %s / %s (outcome %q), want %s / %s", reply, s.Status, s.ReferralStatus,
				s.Outcome, before.Status, before.ReferralStatus)
		}
	}
	st, _ := f.env.App.Stores.For("TH")
	var skipped int64
	st.DB.Raw(`SELECT count(*) FROM audit_log WHERE action = 'referral.reply_skipped' AND entity = 'case' AND entity_id = ?`, f.caseID).Scan(&skipped)
	if skipped != 4 {
		t.Errorf("skipped replies audited: %d, want 4", skipped)
	}

	// The Applier checks the decision reply against the hub's status of the packet.
	opened := &exchange.Packet{ID: p.ID, Kind: exchange.KindReferral, Status: exchange.StatusOpened, Recipient: "ngo-th-legal"}
	if err := st.DB.Transaction(func(tx *gorm.DB) error {
		return services.ApplyReplies(tx, st, []exchange.ReplyItem{{CaseID: f.caseID, Original: opened, Reply: exchange.Payload{"decision": "accepted", "status": "accepted"}}})
	}); err != nil {
		t.Fatal(err)
	}
	if s := f.service(t, r.ID); s.ReferralStatus != before.ReferralStatus {
		t.Errorf("a decision reply the hub does not back: %s", s.ReferralStatus)
	}

	// Accepted through the exchange: then progress and completion apply; a declined status does not.
	if _, err := f.env.App.Exchange.Accept(ctx, ngo, p.ID); err != nil {
		t.Fatal(err)
	}
	if s := f.service(t, r.ID); s.ReferralStatus != "accepted" {
		t.Fatalf("after accept: %s / %s", s.Status, s.ReferralStatus)
	}
	for _, step := range []struct {
		reply      exchange.Payload
		want, refs string
	}{
		{exchange.Payload{"status": "declined", "reason": "Changed our mind"}, "planned", "accepted"},
		{exchange.Payload{"status": "in_progress"}, "in_progress", "in_progress"},
		{exchange.Payload{"status": "completed", "outcome": "Claim filed"}, "completed", "completed"},
	} {
		if _, err := f.env.App.Exchange.Reply(ctx, ngo, p.ID, step.reply); err != nil {
			t.Fatal(err)
		}
		if s := f.service(t, r.ID); s.Status != step.want || s.ReferralStatus != step.refs {
			t.Errorf("after %v: %s / %s, want %s / %s", step.reply, s.Status, s.ReferralStatus, step.want, step.refs)
		}
	}
}

// TestReferralRepliesSetBased: a batch of replies to one accepted referral applies in order with one
// read and one write of the services table and one write of the audit rows.
func TestReferralRepliesSetBased(t *testing.T) {
	f := newFixture(t, true)
	ctx := context.Background()
	r, p := f.refer(t, 0)
	ngo := f.actor(t, thNGO)
	if _, err := f.env.App.Exchange.Accept(ctx, ngo, p.ID); err != nil {
		t.Fatal(err)
	}
	before := f.service(t, r.ID) // applies the decision reply
	if before.ReferralStatus != "accepted" {
		t.Fatalf("after accept: %s", before.ReferralStatus)
	}
	st, _ := f.env.App.Stores.For("TH")
	var statements []string
	count := func(tx *gorm.DB) { statements = append(statements, tx.Statement.SQL.String()) }
	if err := st.DB.Callback().Query().After("gorm:query").Register("test:count_query", count); err != nil {
		t.Fatal(err)
	}
	if err := st.DB.Callback().Create().After("gorm:create").Register("test:count_create", count); err != nil {
		t.Fatal(err)
	}
	accepted := &exchange.Packet{ID: p.ID, Kind: exchange.KindReferral, Status: exchange.StatusAccepted, Recipient: "ngo-th-legal"}
	items := []exchange.ReplyItem{
		{CaseID: f.caseID, Original: accepted, Reply: exchange.Payload{"status": "in_progress"}},
		{CaseID: f.caseID, Original: accepted, Reply: exchange.Payload{"status": "completed", "outcome": "Claim filed"}},
		{CaseID: f.caseID, Original: accepted, Reply: exchange.Payload{"status": "in_progress"}}, // after completion: nothing
	}
	if err := st.DB.Transaction(func(tx *gorm.DB) error { return services.ApplyReplies(tx, st, items) }); err != nil {
		t.Fatal(err)
	}
	onServices := 0
	for _, s := range statements {
		if strings.Contains(s, `"services"`) || strings.Contains(s, " services ") {
			onServices++
		}
	}
	if onServices == 0 || onServices > 2 {
		t.Errorf("%d statements on services for %d replies, want one read and one write: %q", onServices, len(items), statements)
	}
	s := f.service(t, r.ID)
	if s.Status != "completed" || s.ReferralStatus != "completed" || s.Outcome != "Claim filed" || s.StartDate == nil || s.EndDate == nil {
		t.Errorf("after the batch: %+v", s)
	}
}
