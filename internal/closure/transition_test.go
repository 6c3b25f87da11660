package closure_test

import (
	"context"
	"testing"
	"time"

	"homeward/internal/apptest"
	"homeward/internal/cases"
	"homeward/internal/consent"
	"homeward/internal/services"
)

// A supervisor closing a case directly through the stage transition revokes its outstanding
// packets too: no path to "closed" leaves a referral readable outside the store.
func TestTransitionToClosedRevokesPackets(t *testing.T) {
	env := apptest.New(t)
	ctx := context.Background()
	c := recoveryCase(t, env)
	w, sup := env.Actor(t, thWorker), env.Actor(t, thSupervisor)
	if _, err := env.App.Consent.Record(ctx, w, c.ID, consent.Input{Purpose: consent.PurposeShareNGO, Answer: consent.AnswerGiven,
		AnsweredOn: time.Now().Format(time.DateOnly), Method: "spoken", Language: "km"}); err != nil {
		t.Fatal(err)
	}
	_, p, err := services.New(env.App.Stores, env.App.Directory, env.App.Exchange).Refer(ctx, w, c.ID,
		services.ReferralInput{Recipient: "ngo-th-legal", Service: "legal_aid", Needs: "Lawyer"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := env.App.Exchange.Approve(ctx, sup, p.ID, 0); err != nil {
		t.Fatal(err)
	}
	if _, err := env.App.Cases.Transition(ctx, sup, c.ID,
		cases.TransitionInput{To: cases.StageClosed, Reason: "lost_contact", Version: c.Version}); err != nil {
		t.Fatal(err)
	}
	var status string
	var payload []byte
	if err := env.App.Hub.Raw(`SELECT status, sealed_payload FROM packets WHERE id = ?`, p.ID).Row().Scan(&status, &payload); err != nil {
		t.Fatal(err)
	}
	if status != "revoked" || payload != nil {
		t.Errorf("referral after closing = %s with %d payload bytes, want revoked and erased", status, len(payload))
	}
}
