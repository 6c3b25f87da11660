package handover_test

import (
	"context"
	"strings"
	"testing"

	"homeward/internal/apptest"
	"homeward/internal/cases"
	"homeward/internal/handover"
)

// TestReceivedCaseHistoryAndPacketRef (issue 13, capability 5): a case received by handover has a
// stage change to reintegration naming its packet, and carries the packet's reference; the sending
// side sees each person's identification decision.
func TestReceivedCaseHistoryAndPacketRef(t *testing.T) {
	env := apptest.New(t)
	ctx := context.Background()
	_, b := sentBatch(t, env, 1)
	// The sending side shows each person's identification decision (not "—").
	if d := b.Persons[0].Decision; d == nil || d.Decision != "identified" || d.DecidedOn == "" || d.RecognisedUnder != "" {
		t.Errorf("sending side's decision of the person = %+v, want its own identified decision", d)
	}
	thSup := env.Actor(t, thSupervisor)
	pid := b.Persons[0].PacketID
	rb, err := service(env).Accept(ctx, thSup, b.ID, handover.AcceptInput{Accept: []string{pid}, ReceivingOfficials: "Somsak P."})
	if err != nil {
		t.Fatal(err)
	}
	v, err := env.App.Cases.Get(ctx, thSup, rb.Persons[0].CaseID)
	if err != nil {
		t.Fatal(err)
	}
	if v.Case.PacketRef == nil || *v.Case.PacketRef != pid {
		t.Errorf("packet reference of the received case = %v, want %s", v.Case.PacketRef, pid)
	}
	var found bool
	for _, h := range v.History {
		if h.ToStage == cases.StageReintegration && h.FromStage == cases.StageHandover && strings.Contains(h.Reason, pid) {
			found = true
		}
	}
	if !found {
		t.Errorf("history of the received case = %+v, want a change to reintegration naming packet %s", v.History, pid)
	}
}
