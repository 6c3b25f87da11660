package handover_test

import (
	"context"
	"errors"
	"testing"

	"homeward/internal/apptest"
	"homeward/internal/authz"
	"homeward/internal/cases"
	"homeward/internal/handover"
	"homeward/internal/handover/handovertest"
)

// TestReceivedDuplicates: a person received by handover is duplicate-checked in the receiving
// store. The receiving supervisor sees, on the batch, the person of their own agency with the same
// passport (with the case to open) and only that a match exists for the person whose similar-named
// record another Thai agency holds; the sending side sees none of it, and whoever may not read the
// batch gets not found.
func TestReceivedDuplicates(t *testing.T) {
	env := apptest.New(t)
	ctx := context.Background()
	svc := service(env)
	ids := handovertest.Ready(t, env, khWorker, khSupervisor, "TH", 3)
	age20, age21 := 20, 21
	// Already in the TH store: the first person's passport (TH welfare's case), the second person's
	// name and age (a police case: another agency of the country).
	_, own, err := env.App.Cases.Intake(ctx, env.Actor(t, thWorker), cases.IntakeInput{GivenName: "Somchai", FamilyName: "Jaidee",
		Sex: "male", AgeEstimate: &age20, Nationality: "TH", DocumentNumber: "AA1000000"})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := env.App.Cases.Intake(ctx, env.Actor(t, "investigator@th-pct.demo"), cases.IntakeInput{GivenName: "สมหญิง",
		FamilyName: "รักไทย 2", Sex: "female", AgeEstimate: &age21, Nationality: "TH"}); err != nil {
		t.Fatal(err)
	}
	b, err := svc.Create(ctx, env.Actor(t, khWorker), batchInput(ids))
	if err != nil {
		t.Fatal(err)
	}
	if b, err = svc.Approve(ctx, env.Actor(t, khSupervisor), b.ID, b.Version); err != nil {
		t.Fatal(err)
	}
	thSup := env.Actor(t, thSupervisor)
	rb, err := svc.Get(ctx, thSup, b.ID)
	if err != nil {
		t.Fatal(err)
	}
	in := handover.AcceptInput{ReceivingOfficials: "Somsak P."}
	for _, p := range rb.Persons {
		in.Accept = append(in.Accept, p.PacketID)
	}
	if rb, err = svc.Accept(ctx, thSup, b.ID, in); err != nil {
		t.Fatal(err)
	}
	byPos := map[int]handover.Person{}
	for _, p := range rb.Persons {
		byPos[p.Position] = p
	}
	first, second, third := byPos[1], byPos[2], byPos[3]
	if len(first.Duplicates) != 1 || !first.Duplicates[0].Visible || first.Duplicates[0].Reason != cases.ReasonDocument ||
		len(first.Duplicates[0].Cases) != 1 || first.Duplicates[0].Cases[0].ID != own.ID {
		t.Errorf("first person's duplicates: %+v, want the TH welfare case %s by document", first.Duplicates, own.ID)
	}
	if len(second.Duplicates) != 1 || second.Duplicates[0].Visible || second.Duplicates[0].PersonID != "" ||
		len(second.Duplicates[0].Cases) != 0 || second.Duplicates[0].Reason != cases.ReasonName {
		t.Errorf("second person's duplicates: %+v, want a hidden match by name", second.Duplicates)
	}
	if len(third.Duplicates) != 0 {
		t.Errorf("third person's duplicates: %+v, want none", third.Duplicates)
	}
	// Recorded in the receiving store only.
	th, _ := env.App.Stores.For("TH")
	var n int64
	th.DB.Raw(`SELECT count(*) FROM received_duplicates`).Scan(&n)
	if n != 2 {
		t.Errorf("received_duplicates in TH: %d rows, want 2", n)
	}
	// The sending side sees no duplicate of the other store.
	kb, err := svc.Get(ctx, env.Actor(t, khSupervisor), b.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range kb.Persons {
		if len(p.Duplicates) != 0 {
			t.Errorf("the sender sees duplicates of person %d: %+v", p.Position, p.Duplicates)
		}
	}
	// Another agency of the receiving country, a role without the inbox, an embassy, the other
	// country's police: not found.
	for _, who := range []string{thPoliceSup, thWorker, thEmbassy, khPolice} {
		if _, err := svc.Get(ctx, env.Actor(t, who), b.ID); !errors.Is(err, authz.ErrNotFound) {
			t.Errorf("%s reads the received batch: %v", who, err)
		}
	}
}
