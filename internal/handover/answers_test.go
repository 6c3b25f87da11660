package handover_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"gorm.io/gorm"

	"homeward/internal/apptest"
	"homeward/internal/exchange"
	"homeward/internal/handover"
	"homeward/internal/handover/handovertest"
	"homeward/internal/problem"
)

// sentBatch makes n cases ready in the KH store and sends them to the TH welfare agency as one
// approved batch.
func sentBatch(t *testing.T, env *apptest.Env, n int) ([]string, *handover.Batch) {
	t.Helper()
	ctx := context.Background()
	ids := handovertest.Ready(t, env, khWorker, khSupervisor, "TH", n)
	b, err := service(env).Create(ctx, env.Actor(t, khWorker), batchInput(ids))
	if err != nil {
		t.Fatal(err)
	}
	if b, err = service(env).Approve(ctx, env.Actor(t, khSupervisor), b.ID, b.Version); err != nil {
		t.Fatal(err)
	}
	return ids, b
}

// sendingState is the KH case's stage and its handover person's status and new case reference.
func sendingState(t *testing.T, env *apptest.Env, caseID string) (stage, status, newRef string) {
	t.Helper()
	kh, _ := env.App.Stores.For("KH")
	var row struct{ Stage, Status, NewCaseRef string }
	if err := kh.DB.Raw(`SELECT c.stage, h.status, coalesce(h.new_case_ref, '') AS new_case_ref FROM cases c
		JOIN handover_persons h ON h.case_id = c.id WHERE c.id = ?`, caseID).Scan(&row).Error; err != nil {
		t.Fatal(err)
	}
	return row.Stage, row.Status, row.NewCaseRef
}

// TestHandoverFakeReplyChangesNothing: the receiving agency cannot answer a handover with a plain
// reply — only Accept/Decline decide. A reply carrying accepted/new_case_ref is refused, a note
// is allowed and changes nothing, and the Applier itself ignores any answer the hub's status of
// the packet does not back; the real acceptance then hands the case over.
func TestHandoverFakeReplyChangesNothing(t *testing.T) {
	env := apptest.New(t)
	ctx := context.Background()
	ids, b := sentBatch(t, env, 1)
	pid := b.Persons[0].PacketID
	thSup, sup := env.Actor(t, thSupervisor), env.Actor(t, khSupervisor)
	if _, err := env.App.Exchange.Open(ctx, thSup, pid); err != nil {
		t.Fatal(err)
	}
	_, err := env.App.Exchange.Reply(ctx, thSup, pid, exchange.Payload{"accepted": true, "new_case_ref": "TH-FAKE-1"})
	if inv, ok := problem.AsInvalid(err); !ok || inv.Fields["accepted"] != "packets.error.field_not_allowed" {
		t.Errorf("fake acceptance reply = %v, want 422 accepted: field_not_allowed", err)
	}
	_, err = env.App.Exchange.Reply(ctx, thSup, pid, exchange.Payload{"reason": "No room"})
	if _, ok := problem.AsInvalid(err); !ok {
		t.Errorf("reason-only reply = %v, want 422", err)
	}
	if _, err := env.App.Exchange.Reply(ctx, thSup, pid, exchange.Payload{"note": "Checking with the family first"}); err != nil {
		t.Fatalf("note reply: %v", err)
	}
	if _, err := env.App.Exchange.Sync(ctx, "KH"); err != nil {
		t.Fatal(err)
	}
	if stage, status, _ := sendingState(t, env, ids[0]); stage != "return_preparation" || status != "pending" {
		t.Errorf("after a note: stage %s, person %s; want return_preparation, pending", stage, status)
	}

	// The Applier trusts only the hub's status of the packet: answers it does not back change nothing.
	kh, _ := env.App.Stores.For("KH")
	svc := service(env)
	orig := &exchange.Packet{ID: pid, Kind: exchange.KindHandover, Status: exchange.StatusOpened, BatchID: b.ID,
		ApprovedBy: sup.UserID, AskedBy: env.Actor(t, khWorker).UserID}
	for _, reply := range []exchange.Payload{
		{"accepted": true, "new_case_ref": "TH-FAKE-1"},
		{"reason": "No room"},
		{"decision": "accepted", "accepted": true, "new_case_ref": "TH-FAKE-2"},
		{"decision": "declined", "declined": true, "reason": "No room"},
	} {
		if err := kh.DB.Transaction(func(tx *gorm.DB) error {
			return svc.ApplyMany(tx, kh, []exchange.ReplyItem{{CaseID: ids[0], Original: orig, Reply: reply}})
		}); err != nil {
			t.Fatalf("apply %v: %v", reply, err)
		}
		if stage, status, _ := sendingState(t, env, ids[0]); stage != "return_preparation" || status != "pending" {
			t.Fatalf("after %v on an opened packet: stage %s, person %s", reply, stage, status)
		}
	}
	// A decision the hub backs but contradicted by the reply, or a note on an accepted packet: nothing.
	accepted := *orig
	accepted.Status = exchange.StatusAccepted
	for _, reply := range []exchange.Payload{{"decision": "declined", "declined": true, "reason": "x"}, {"note": "Arrived"}} {
		if err := kh.DB.Transaction(func(tx *gorm.DB) error {
			return svc.ApplyMany(tx, kh, []exchange.ReplyItem{{CaseID: ids[0], Original: &accepted, Reply: reply}})
		}); err != nil {
			t.Fatal(err)
		}
		if stage, status, _ := sendingState(t, env, ids[0]); stage != "return_preparation" || status != "pending" {
			t.Fatalf("after %v on an accepted packet: stage %s, person %s", reply, stage, status)
		}
	}

	// The real acceptance: the KH case is handed over with the TH case's reference.
	if _, err := env.App.Exchange.Accept(ctx, thSup, pid); err != nil {
		t.Fatal(err)
	}
	th, _ := env.App.Stores.For("TH")
	var thRef string
	th.DB.Raw(`SELECT reference FROM cases WHERE packet_ref = ?`, pid).Scan(&thRef)
	if _, err := env.App.Exchange.Sync(ctx, "KH"); err != nil {
		t.Fatal(err)
	}
	if stage, status, ref := sendingState(t, env, ids[0]); stage != "handover" || status != "accepted" || ref != thRef || thRef == "" {
		t.Errorf("after accept: stage %s, person %s, ref %q (TH %q)", stage, status, ref, thRef)
	}
}

// TestHandoverDeclineApplied: a decline from the inbox reaches the KH store as a decline with its
// reason (the decision reply, backed by the hub's status).
func TestHandoverDeclineApplied(t *testing.T) {
	env := apptest.New(t)
	ctx := context.Background()
	ids, b := sentBatch(t, env, 1)
	if _, err := env.App.Exchange.Decline(ctx, env.Actor(t, thSupervisor), b.Persons[0].PacketID, "Family not traced"); err != nil {
		t.Fatal(err)
	}
	if _, err := env.App.Exchange.Sync(ctx, "KH"); err != nil {
		t.Fatal(err)
	}
	if stage, status, _ := sendingState(t, env, ids[0]); stage != "return_preparation" || status != "declined" {
		t.Errorf("after decline: stage %s, person %s", stage, status)
	}
}

// TestHandoverReceiverIdempotent: when the receiving store already holds the case created from a
// packet (a hub commit that failed after the store's), accepting again succeeds with that case.
func TestHandoverReceiverIdempotent(t *testing.T) {
	env := apptest.New(t)
	ctx := context.Background()
	ids, b := sentBatch(t, env, 1)
	pid := b.Persons[0].PacketID
	thSup := env.Actor(t, thSupervisor)
	p, err := env.App.Exchange.Open(ctx, thSup, pid)
	if err != nil {
		t.Fatal(err)
	}
	th, _ := env.App.Stores.For("TH")
	svc := service(env)
	var first string
	for i := 0; i < 2; i++ { // the Receiver twice: one case
		var ref string
		if err := th.DB.Transaction(func(tx *gorm.DB) error {
			var err error
			refs, err := svc.ReceiveMany(ctx, tx, th, thSup, []*exchange.Packet{p})
			if err == nil {
				ref = refs[0]
			}
			return err
		}); err != nil {
			t.Fatalf("receive %d: %v", i, err)
		}
		if i == 0 {
			first = ref
		} else if ref != first {
			t.Errorf("second receive = %q, want %q", ref, first)
		}
	}
	if _, err := env.App.Exchange.Accept(ctx, thSup, pid); err != nil {
		t.Fatalf("accept with the case already there: %v", err)
	}
	var n, received int64
	th.DB.Raw(`SELECT count(*) FROM cases WHERE packet_ref = ?`, pid).Scan(&n)
	th.DB.Raw(`SELECT count(*) FROM received_handovers WHERE packet_id = ?`, pid).Scan(&received)
	if n != 1 || received != 1 {
		t.Errorf("cases for the packet: %d, received rows: %d; want 1 and 1", n, received)
	}
	var status string
	env.App.Hub.Raw(`SELECT status FROM packets WHERE id = ?`, pid).Scan(&status)
	if status != "accepted" {
		t.Errorf("packet status %s", status)
	}
	if _, err := env.App.Exchange.Sync(ctx, "KH"); err != nil {
		t.Fatal(err)
	}
	if stage, _, ref := sendingState(t, env, ids[0]); stage != "handover" || ref != first {
		t.Errorf("KH after accept: stage %s, new ref %q, want %q", stage, ref, first)
	}
}

// TestHandoverAudits: settling a withdrawn person is audited under the case, and the candidates
// listing is one row naming the handover_candidates entity and the case ids shown, never names.
func TestHandoverAudits(t *testing.T) {
	env := apptest.New(t)
	ctx := context.Background()
	ids, b := sentBatch(t, env, 2)
	sup, cw := env.Actor(t, khSupervisor), env.Actor(t, khWorker)
	if _, err := env.App.Exchange.Revoke(ctx, sup, b.Persons[1].PacketID, "The person fell ill"); err != nil {
		t.Fatal(err)
	}
	got, err := service(env).Candidates(ctx, cw)
	if err != nil {
		t.Fatal(err)
	}
	shown := false
	for _, c := range got {
		shown = shown || c.CaseID == ids[1]
	}
	if !shown {
		t.Fatalf("the withdrawn person is not a candidate again: %+v", got)
	}
	kh, _ := env.App.Stores.For("KH")
	var n int64
	kh.DB.Raw(`SELECT count(*) FROM audit_log WHERE action = 'handover.person.withdrawn' AND entity = 'case' AND entity_id = ?
		AND detail::jsonb ->> 'packet_id' = ?`, ids[1], b.Persons[1].PacketID).Scan(&n)
	if n != 1 {
		t.Errorf("audit rows of the withdrawn person: %d, want 1", n)
	}
	var row struct{ Entity, EntityID, Detail string }
	kh.DB.Raw(`SELECT entity, entity_id, detail FROM audit_log WHERE action = 'handover.candidates.read' ORDER BY id DESC LIMIT 1`).Scan(&row)
	if row.Entity != "handover_candidates" || row.EntityID == "" {
		t.Errorf("candidates audit row: %+v", row)
	}
	var detail struct {
		Count   int      `json:"count"`
		CaseIDs []string `json:"case_ids"`
	}
	if err := json.Unmarshal([]byte(row.Detail), &detail); err != nil {
		t.Fatal(err)
	}
	if detail.Count != len(got) || len(detail.CaseIDs) != len(got) {
		t.Errorf("candidates audit detail: %s (shown %d)", row.Detail, len(got))
	}
	for _, c := range got {
		if (c.GivenName != "" && strings.Contains(row.Detail, c.GivenName)) || (c.FamilyName != "" && strings.Contains(row.Detail, c.FamilyName)) {
			t.Errorf("candidates audit detail names a person: %s", row.Detail)
			break
		}
	}
}
