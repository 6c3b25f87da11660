package crossmatch_test

import (
	"context"
	"errors"
	"testing"

	"homeward/internal/apptest"
	"homeward/internal/authz"
	"homeward/internal/consent"
	"homeward/internal/crossmatch"
	"homeward/internal/exchange"
	"homeward/internal/problem"
)

// TestAskTheOtherSide: asking is a linkage_ask packet from the KH case to the TH welfare agency
// holding the candidate's case. It carries the TH candidate and the score only, needs another
// supervisor's approval, is audited in both databases; the TH supervisor sees it in the inbox
// linked to their own candidate and answers with a reply, which the KH store records.
func TestAskTheOtherSide(t *testing.T) {
	env := apptest.New(t)
	ctx := context.Background()
	th, kh := pair(t, env)
	c := forCase(list(t, env, thSupervisor), th.ID)
	k := forCase(list(t, env, khSupervisor), kh.ID)
	if c == nil || k == nil {
		t.Fatal("no candidate")
	}
	sup := env.Actor(t, khSupervisor)

	// Without the person's consent to home-country notice, and without a written override: refused.
	_, err := env.App.Linkage.Ask(ctx, sup, k.ID, crossmatch.AskInput{})
	if inv, ok := problem.AsInvalid(err); !ok || inv.Fields["candidate"] != "packets.error.consent_missing" {
		t.Fatalf("ask without consent: %v", err)
	}
	// Never from the generic packet path.
	_, err = env.App.Exchange.Prepare(ctx, env.Actor(t, khWorker), kh.ID, exchange.Draft{Kind: crossmatch.KindAsk,
		Recipient: "th-msdhs-sakaeo", Extra: map[string]string{"candidate": c.ID, "score": "0.9"}})
	if inv, ok := problem.AsInvalid(err); !ok || inv.Fields["kind"] != "packets.error.kind" {
		t.Fatalf("linkage_ask prepared through the packet form: %v", err)
	}

	objection(t, env, khWorker, kh.ID, consent.AnswerGiven)
	p, err := env.App.Linkage.Ask(ctx, sup, k.ID, crossmatch.AskInput{})
	if err != nil {
		t.Fatalf("ask: %v", err)
	}
	if p.Kind != crossmatch.KindAsk || p.Status != exchange.StatusPendingApproval || p.Recipient != "th-msdhs-sakaeo" || p.CaseRef != kh.Reference {
		t.Fatalf("question = %+v", p)
	}
	if len(p.Payload) != 2 || p.Payload["candidate"] != c.ID {
		t.Errorf("payload %v: want the TH candidate and the score only", p.Payload)
	}
	if _, err := env.App.Exchange.Approve(ctx, sup, p.ID, 0); err == nil {
		t.Fatal("the asking supervisor approved their own question")
	}
	second := secondSupervisor(t, env, sup.AgencyID)
	if _, err := env.App.Exchange.Approve(ctx, second, p.ID, 0); err != nil {
		t.Fatalf("approve: %v", err)
	}

	// The TH supervisor: in the inbox, opened, linked to their own candidate.
	thSup := env.Actor(t, thSupervisor)
	inbox, err := env.App.Exchange.Inbox(ctx, thSup, exchange.InboxFilter{Kind: crossmatch.KindAsk})
	if err != nil || len(inbox.Items) != 1 || inbox.Items[0].ID != p.ID {
		t.Fatalf("TH inbox: %+v, %v", inbox, err)
	}
	opened, err := env.App.Exchange.Open(ctx, thSup, p.ID)
	if err != nil || opened.Payload["candidate"] != c.ID {
		t.Fatalf("open: %+v, %v", opened, err)
	}
	caseID, ref, err := env.App.Linkage.Ours(ctx, thSup, c.ID)
	if err != nil || caseID != th.ID || ref != th.Reference {
		t.Errorf("our candidate: %s %s %v", caseID, ref, err)
	}
	if _, _, err := env.App.Linkage.Ours(ctx, env.Actor(t, thPoliceSup), c.ID); !errors.Is(err, authz.ErrNotFound) {
		t.Errorf("another agency's supervisor sees the candidate: %v", err)
	}

	// The answer: a bad one is refused naming the field; then "same person".
	_, err = env.App.Exchange.Reply(ctx, thSup, p.ID, exchange.Payload{"same_person": "perhaps"})
	if inv, ok := problem.AsInvalid(err); !ok || inv.Fields["same_person"] != "form.error.choose" {
		t.Fatalf("bad answer: %v", err)
	}
	if _, err := env.App.Exchange.Reply(ctx, thSup, p.ID, exchange.Payload{"same_person": "yes", "note": "Same family in Sa Kaeo"}); err != nil {
		t.Fatalf("answer: %v", err)
	}
	if _, err := env.App.Exchange.Sync(ctx, "KH"); err != nil {
		t.Fatal(err)
	}
	st, _ := env.App.Stores.For("KH")
	var same []bool
	st.DB.Raw(`SELECT same_person FROM linkage_answers WHERE packet_id = ? AND case_id = ?`, p.ID, kh.ID).Scan(&same)
	if len(same) != 1 || !same[0] {
		t.Errorf("KH store's answer: %v, want same person", same)
	}
	var n int64
	st.DB.Raw(`SELECT count(*) FROM audit_log WHERE action = 'linkage.answer' AND entity_id = ?`, kh.ID).Scan(&n)
	if n != 1 {
		t.Errorf("KH audit rows of the answer: %d", n)
	}
	env.App.Hub.Raw(`SELECT count(*) FROM audit_log WHERE action = 'linkage.ask' AND entity_id = ?`, k.ID).Scan(&n)
	if n != 1 {
		t.Errorf("hub audit rows of the question: %d", n)
	}
	st.DB.Raw(`SELECT count(*) FROM audit_log WHERE action IN ('packet.prepare', 'packet.approve') AND entity_id = ?`, kh.ID).Scan(&n)
	if n != 2 {
		t.Errorf("KH audit rows of the packet's preparation and approval: %d", n)
	}
}

// secondSupervisor is another supervisor of the agency (a packet is approved by someone other than
// the one who prepared it).
func secondSupervisor(t *testing.T, env *apptest.Env, agencyID string) *authz.Actor {
	t.Helper()
	const email = "supervisor2@kh-mosvy-poipet.demo"
	if _, err := env.App.Directory.CreateUser(context.Background(), "", email, "Second Supervisor", "homeward-demo",
		agencyID, "supervisor"); err != nil {
		t.Fatal(err)
	}
	return env.Actor(t, email)
}
