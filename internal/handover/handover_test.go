package handover_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"homeward/internal/apptest"
	"homeward/internal/authz"
	"homeward/internal/handover"
	"homeward/internal/handover/handovertest"
	"homeward/internal/problem"
)

func TestMain(m *testing.M) { apptest.Main(m) }

// Demo users of the handover tests.
const (
	khWorker     = "caseworker@kh-mosvy-poipet.demo"
	khSupervisor = "supervisor@kh-mosvy-poipet.demo"
	khAnalyst    = "analyst@kh-mosvy-poipet.demo"
	khPolice     = "supervisor@kh-cnp-aht.demo"
	thWorker     = "caseworker@th-msdhs-sakaeo.demo"
	thSupervisor = "supervisor@th-msdhs-sakaeo.demo"
	thPoliceSup  = "supervisor@th-pct.demo"
	thEmbassy    = "embassy_officer@th-embassy-pnh.demo"
	ngoWorker    = "ngo_worker@ngo-th-legal.demo"
	thWelfare    = "th-msdhs-sakaeo"
)

func service(env *apptest.Env) *handover.Service {
	return handover.New(env.App.Hub, env.App.Stores, env.App.Exchange, env.App.Directory)
}

func batchInput(ids []string) handover.BatchInput {
	in := handover.BatchInput{Recipient: thWelfare, Checkpoint: "poipet_aranyaprathet",
		HandoverAt: time.Now().Add(48 * time.Hour).UTC().Format(time.RFC3339), SendingOfficials: "Sok Dara, MoSVY Poipet\nChan Vanna, CNP"}
	for i, id := range ids {
		p := handover.PersonInput{CaseID: id, Belongings: "Backpack, phone (switched off)"}
		if i == 0 {
			p.Documents = []string{"passport"}
		}
		in.Persons = append(in.Persons, p)
	}
	return in
}

// TestHandoverService runs a batch of three Thai nationals from the KH store to the TH welfare
// agency: two accepted (new TH cases, decision recognised), one declined; the answers reach the KH
// store only through Sync.
func TestHandoverService(t *testing.T) {
	env := apptest.New(t)
	ctx := context.Background()
	svc := service(env)
	ids := handovertest.Ready(t, env, khWorker, khSupervisor, "TH", 3)
	cw, sup, thSup := env.Actor(t, khWorker), env.Actor(t, khSupervisor), env.Actor(t, thSupervisor)

	b, err := svc.Create(ctx, cw, batchInput(ids))
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	if b.Status != handover.BatchPendingApproval || len(b.Persons) != 3 || b.Side != handover.SideSender {
		t.Fatalf("created batch: %+v", b)
	}
	if got := b.Persons[0].Documents; len(got) != 1 || got[0].Kind != "passport" || got[0].Number == "" {
		t.Errorf("documents of the first person: %+v", got)
	}
	// Nothing for the receiving side before the approval; the creator cannot approve.
	if _, err := svc.Get(ctx, thSup, b.ID); !errors.Is(err, authz.ErrNotFound) {
		t.Errorf("TH supervisor before approval: %v", err)
	}
	if _, err := svc.Approve(ctx, cw, b.ID, b.Version); !errors.Is(err, authz.ErrNotFound) {
		t.Errorf("caseworker approves: %v", err)
	}
	if b, err = svc.Approve(ctx, sup, b.ID, b.Version); err != nil {
		t.Fatalf("approve: %v", err)
	}
	if b.Status != handover.BatchSent {
		t.Fatalf("status after approval: %s", b.Status)
	}

	rb, err := svc.Get(ctx, thSup, b.ID)
	if err != nil {
		t.Fatalf("TH supervisor opens: %v", err)
	}
	if rb.Side != handover.SideRecipient || len(rb.Persons) != 3 {
		t.Fatalf("recipient view: %+v", rb)
	}
	p0 := rb.Persons[0]
	if p0.GivenName == "" || p0.Decision == nil || p0.Decision.Decision != "identified" || p0.Decision.RecognisedUnder != handover.RecognisedUnder ||
		p0.Decision.LegalBasis != "Anti-Trafficking Law 2008 art. 10" ||
		p0.Belongings == "" || len(p0.Documents) != 1 || p0.Documents[0].Number == "" || p0.CaseID != "" {
		t.Errorf("recipient person: %+v", p0)
	}
	in := handover.AcceptInput{Accept: []string{rb.Persons[0].PacketID, rb.Persons[1].PacketID},
		Decline: []handover.Decline{{ID: rb.Persons[2].PacketID, Reason: "Family tracing not complete"}}, ReceivingOfficials: "Somsak P., MSDHS"}
	if rb, err = svc.Accept(ctx, thSup, b.ID, in); err != nil {
		t.Fatalf("accept: %v", err)
	}
	if rb.Status != handover.BatchAnswered || rb.AcceptedCount != 2 || rb.DeclinedCount != 1 {
		t.Errorf("answered batch: %s %d %d", rb.Status, rb.AcceptedCount, rb.DeclinedCount)
	}
	// The accepted persons show the original legal basis, opened from the TH store.
	for _, p := range rb.Persons {
		if p.Status == handover.PersonAccepted && (p.Decision == nil || p.Decision.LegalBasis != "Anti-Trafficking Law 2008 art. 10") {
			t.Errorf("accepted person's decision: %+v", p.Decision)
		}
	}
	// Issue 13: the same answer again is a retry that records the officials and decides nothing
	// twice; answering a person the other way is a conflict.
	retry := in
	retry.ReceivingOfficials = "Somsak P., MSDHS; Chai K., TIP police"
	if again, err := svc.Accept(ctx, thSup, b.ID, retry); err != nil || again.ReceivingOfficials != retry.ReceivingOfficials ||
		again.AcceptedCount != 2 || again.DeclinedCount != 1 {
		t.Errorf("accept again = %v, want the officials recorded and the same counts", err)
	}
	flip := handover.AcceptInput{Decline: []handover.Decline{{ID: in.Accept[0], Reason: "changed"}}, ReceivingOfficials: "X"}
	if _, err := svc.Accept(ctx, thSup, b.ID, flip); !errors.Is(err, problem.ErrConflict) {
		t.Errorf("decline an accepted person: %v", err)
	}

	// The TH store holds two new cases at reintegration, with the decision recognised.
	th, _ := env.App.Stores.For("TH")
	// The legal basis is sealed with the TH store's keys, in the decision and the received row.
	var got []struct {
		ID, Stage, Decision, LegalBasis, PacketRef, ReceivedBasis string
		LegalBasisEnc, ReceivedBasisEnc                           []byte
	}
	if err := th.DB.Raw(`SELECT d.id, c.stage, d.decision, d.legal_basis, d.legal_basis_enc, c.packet_ref::text AS packet_ref,
		r.legal_basis AS received_basis, r.legal_basis_enc AS received_basis_enc FROM received_handovers r
		JOIN cases c ON c.id = r.case_id JOIN identification_decisions d ON d.case_id = c.id AND d.status = 'approved'
		WHERE r.batch_id = ? ORDER BY c.reference`, b.ID).Scan(&got).Error; err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 {
		t.Fatalf("received cases in TH: %+v", got)
	}
	for _, g := range got {
		basis, err := th.Keys.OpenString("identification_decisions.legal_basis", g.ID, g.LegalBasisEnc)
		if err != nil || g.Stage != handover.ReceivedStage || g.Decision != "identified" || g.PacketRef == "" ||
			!strings.HasPrefix(basis, handover.RecognisedUnder) || !strings.Contains(basis, "Anti-Trafficking Law 2008") {
			t.Errorf("received case: %+v (basis %q, %v)", g, basis, err)
		}
		if g.LegalBasis != "" || g.ReceivedBasis != "" || len(g.ReceivedBasisEnc) == 0 ||
			strings.Contains(string(g.LegalBasisEnc)+string(g.ReceivedBasisEnc), "Anti-Trafficking") {
			t.Errorf("legal basis in clear in TH: %q / %q", g.LegalBasis, g.ReceivedBasis)
		}
	}
	// The new case's documents were sealed with the TH store's keys: the TH caseworker reads them.
	var newCase string
	th.DB.Raw(`SELECT case_id FROM received_handovers WHERE packet_id = ?`, rb.Persons[0].PacketID).Scan(&newCase)
	v, err := env.App.Cases.Get(ctx, env.Actor(t, thWorker), newCase)
	if err != nil || v.Identity == nil || len(v.Identity.DocumentsHeld) != 1 || v.Identity.DocumentsHeld[0].Number == "" {
		t.Fatalf("TH caseworker reads the new case: %v %+v", err, v)
	}

	// The KH store learns the answers only through Sync (run by the sender's read).
	kb, err := svc.Get(ctx, sup, b.ID)
	if err != nil {
		t.Fatal(err)
	}
	kh, _ := env.App.Stores.For("KH")
	stages := map[string]string{}
	for _, id := range ids {
		var s string
		kh.DB.Raw(`SELECT stage FROM cases WHERE id = ?`, id).Scan(&s)
		stages[id] = s
	}
	if stages[ids[0]] != "handover" || stages[ids[1]] != "handover" || stages[ids[2]] != "return_preparation" {
		t.Errorf("KH stages after sync: %v", stages)
	}
	statuses := map[string]int{}
	for _, p := range kb.Persons {
		statuses[p.Status]++
		if p.Status == handover.PersonAccepted && p.NewCaseRef == "" {
			t.Errorf("accepted person without the new case's reference: %+v", p)
		}
		if p.Status == handover.PersonDeclined && p.Reason != "Family tracing not complete" {
			t.Errorf("declined person's reason: %q", p.Reason)
		}
	}
	if statuses[handover.PersonAccepted] != 2 || statuses[handover.PersonDeclined] != 1 {
		t.Errorf("KH persons: %v", statuses)
	}
	var ref string
	kh.DB.Raw(`SELECT packet_ref::text FROM cases WHERE id = ?`, ids[0]).Scan(&ref)
	if ref != rb.Persons[0].PacketID {
		t.Errorf("packet_ref of the handed-over case: %q", ref)
	}

	// The record of each side.
	rec, err := svc.Record(ctx, thSup, b.ID)
	if err != nil || len(rec.Persons) != 2 {
		t.Errorf("TH record: %v %d", err, len(rec.Persons))
	}
	rec, err = svc.Record(ctx, sup, b.ID)
	if err != nil || len(rec.Persons) != 2 {
		t.Errorf("KH record: %v", err)
	}
}

// TestHandoverRefused covers bad input and refused access.
func TestHandoverRefused(t *testing.T) {
	env := apptest.New(t)
	ctx := context.Background()
	svc := service(env)
	ids := handovertest.Ready(t, env, khWorker, khSupervisor, "TH", 2)
	cw, sup := env.Actor(t, khWorker), env.Actor(t, khSupervisor)
	var batches int64 // the demo's own batch
	env.App.Hub.Raw(`SELECT count(*) FROM handover_batches`).Scan(&batches)

	invalid := func(name string, in handover.BatchInput, field, key string) {
		t.Helper()
		_, err := svc.Create(ctx, cw, in)
		inv, ok := problem.AsInvalid(err)
		if !ok || inv.Fields[field] != key {
			t.Errorf("%s: want %s=%s, got %v", name, field, key, err)
		}
	}
	in := batchInput(ids)
	in.Recipient = "kh-mosvy-poipet"
	invalid("same country", in, "recipient", "handover.error.same_country")
	in = batchInput(ids)
	in.Recipient = "th-pct"
	invalid("police recipient", in, "recipient", "handover.error.recipient")
	in = batchInput(ids)
	in.Checkpoint = "mae_sot"
	invalid("checkpoint", in, "checkpoint", "form.error.choose")
	in = batchInput(append(ids, ids[0]))
	invalid("repeated", in, "persons.2", "handover.error.repeated")
	in = batchInput(nil)
	invalid("empty", in, "persons", "handover.error.no_persons")
	// A case not ready (a demo case in reception) and a case of the other store.
	var notReady, thCase string
	kh, _ := env.App.Stores.For("KH")
	kh.DB.Raw(`SELECT id FROM cases WHERE stage = 'reception' AND owner_agency_id = ? LIMIT 1`, cw.AgencyID).Scan(&notReady)
	th, _ := env.App.Stores.For("TH")
	th.DB.Raw(`SELECT id FROM cases LIMIT 1`).Scan(&thCase)
	invalid("not ready", batchInput([]string{notReady}), "persons.0", "handover.error.not_ready")
	invalid("other store", batchInput([]string{thCase}), "persons.0", "handover.error.case_not_found")
	var n int64
	env.App.Hub.Raw(`SELECT count(*) FROM handover_batches`).Scan(&n)
	if n != batches {
		t.Errorf("%d batches saved from bad input", n-batches)
	}

	// The supervisor prepares: the supervisor cannot approve their own batch (403).
	b, err := svc.Create(ctx, sup, batchInput(ids))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Approve(ctx, sup, b.ID, b.Version); !errors.Is(err, problem.ErrForbidden) {
		t.Errorf("approval by the creator: %v", err)
	}
	// Ready cases cannot go into a second batch while the first waits.
	invalid("in a batch", batchInput(ids[:1]), "persons.0", "handover.error.in_batch")

	for _, who := range []string{thSupervisor, thWorker, thPoliceSup, thEmbassy, ngoWorker, khAnalyst, khPolice} {
		if _, err := svc.Get(ctx, env.Actor(t, who), b.ID); !errors.Is(err, authz.ErrNotFound) {
			t.Errorf("%s reads the batch: %v", who, err)
		}
		if _, err := svc.Record(ctx, env.Actor(t, who), b.ID); !errors.Is(err, authz.ErrNotFound) {
			t.Errorf("%s reads the record: %v", who, err)
		}
		if _, err := svc.Accept(ctx, env.Actor(t, who), b.ID, handover.AcceptInput{Accept: []string{b.Persons[0].PacketID}, ReceivingOfficials: "x"}); !errors.Is(err, authz.ErrNotFound) {
			t.Errorf("%s accepts: %v", who, err)
		}
	}
}

// TestHandoverOutsideTheBatchPage covers what happens to a batch's packets elsewhere: one revoked
// by the sender (its person may go into a new batch), one accepted from the inbox, one at a time
// (the batch counts it, and the KH case still moves to handover).
func TestHandoverOutsideTheBatchPage(t *testing.T) {
	env := apptest.New(t)
	ctx := context.Background()
	svc := service(env)
	ids := handovertest.Ready(t, env, khWorker, khSupervisor, "TH", 2)
	cw, sup, thSup := env.Actor(t, khWorker), env.Actor(t, khSupervisor), env.Actor(t, thSupervisor)
	b, err := svc.Create(ctx, cw, batchInput(ids))
	if err != nil {
		t.Fatal(err)
	}
	if b, err = svc.Approve(ctx, sup, b.ID, b.Version); err != nil {
		t.Fatal(err)
	}
	if _, err := env.App.Exchange.Revoke(ctx, sup, b.Persons[1].PacketID, "The person fell ill"); err != nil {
		t.Fatalf("revoke: %v", err)
	}
	if _, err := env.App.Exchange.Accept(ctx, thSup, b.Persons[0].PacketID); err != nil {
		t.Fatalf("accept from the inbox: %v", err)
	}
	rb, err := svc.Get(ctx, thSup, b.ID)
	if err != nil {
		t.Fatal(err)
	}
	if rb.AcceptedCount != 1 || len(rb.Persons) != 1 || rb.Persons[0].Status != handover.PersonAccepted {
		t.Errorf("recipient after an inbox accept: %d %+v", rb.AcceptedCount, rb.Persons)
	}
	kb, err := svc.Get(ctx, sup, b.ID)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, p := range kb.Persons {
		got[p.CaseID] = p.Status
	}
	if got[ids[0]] != handover.PersonAccepted || got[ids[1]] != handover.PersonRevoked {
		t.Errorf("sender after revoke and accept: %v", got)
	}
	if _, err := svc.Create(ctx, cw, batchInput(ids[1:])); err != nil {
		t.Errorf("the withdrawn person in a new batch: %v", err)
	}
}
