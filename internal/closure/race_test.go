package closure_test

import (
	"context"
	"testing"
	"time"

	"homeward/internal/apptest"
	"homeward/internal/closure"
	"homeward/internal/consent"
	"homeward/internal/services"
)

// TestApproveLeavesNoPacketOutstanding: a referral approved after closure approval revoked the
// case's packets but before the close committed (here: from inside the close, through the clock)
// ends revoked too — nothing about a closed case stays readable outside the store.
func TestApproveLeavesNoPacketOutstanding(t *testing.T) {
	env := apptest.New(t)
	ctx := context.Background()
	c := recoveryCase(t, env)
	w, sup := env.Actor(t, thWorker), env.Actor(t, thSupervisor)
	if _, err := env.App.Consent.Record(ctx, w, c.ID, consent.Input{Purpose: consent.PurposeShareNGO, Answer: consent.AnswerGiven,
		AnsweredOn: time.Now().Format(time.DateOnly), Method: "spoken", Language: "km"}); err != nil {
		t.Fatal(err)
	}
	svc := closure.New(env.App.Stores, env.App.Cases, env.App.Exchange)
	r, err := svc.RequestClosure(ctx, w, c.ID, closure.RequestInput{Reason: "reintegrated"})
	if err != nil {
		t.Fatal(err)
	}
	// Between the revocation and the close: a referral is prepared and approved (the first read of
	// the clock in Approve is inside the closing transaction, before the case moves).
	var late string
	armed := true
	svc.WithClock(func() time.Time {
		if armed {
			armed = false
			_, p, err := services.New(env.App.Stores, env.App.Directory, env.App.Exchange).Refer(ctx, w, c.ID,
				services.ReferralInput{Recipient: "ngo-th-legal", Service: "legal_aid", Needs: "Lawyer"})
			if err != nil {
				t.Errorf("refer during the close: %v", err)
			} else if _, err := env.App.Exchange.Approve(ctx, sup, p.ID, 0); err != nil {
				t.Errorf("approve during the close: %v", err)
			} else {
				late = p.ID
			}
		}
		return time.Now().UTC().Truncate(time.Microsecond)
	})
	if _, _, err := svc.Approve(ctx, sup, r.ID, "Plan goals met"); err != nil {
		t.Fatalf("approve closure: %v", err)
	}
	if late == "" {
		t.Fatal("no packet was sent during the close")
	}
	var status string
	var payload []byte
	if err := env.App.Hub.Raw(`SELECT status, sealed_payload FROM packets WHERE id = ?`, late).Row().Scan(&status, &payload); err != nil {
		t.Fatal(err)
	}
	if status != "revoked" || payload != nil {
		t.Errorf("packet approved during the close: %s with %d payload bytes, want revoked and erased", status, len(payload))
	}
}
