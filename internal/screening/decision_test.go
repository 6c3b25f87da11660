package screening_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"homeward/internal/cases"
	"homeward/internal/locale"
	"homeward/internal/problem"
	"homeward/internal/screening"
)

// invalidKey returns the message key of field in an *problem.Invalid, failing when err is not one.
func invalidKey(t *testing.T, err error, field string) string {
	t.Helper()
	inv, ok := problem.AsInvalid(err)
	if !ok {
		t.Fatalf("err = %v, want invalid", err)
	}
	return inv.Fields[field]
}

func TestDecisionFlow(t *testing.T) {
	f := newFixture(t, cases.StageScreening)
	ctx := context.Background()
	w, sup := f.actor(t, thWorker), f.actor(t, thSupervisor)
	proposal := screening.ProposalInput{Decision: "identified", LegalBasis: "ATIP Act s. 6"}

	_, err := f.svc.ProposeDecision(ctx, w, f.c.ID, proposal)
	if key := invalidKey(t, err, ""); key != "identification.error.no_screening" {
		t.Fatalf("propose before the screening: %q", key)
	}
	f.record(t, validInput())
	d := f.propose(t, thWorker, screening.DecisionIdentified)
	if d.Status != screening.StatusProposed || d.Version != 1 || d.ProposedBy != w.UserID {
		t.Fatalf("proposal = %+v", d)
	}
	_, err = f.svc.ProposeDecision(ctx, w, f.c.ID, proposal)
	if key := invalidKey(t, err, ""); key != "identification.error.pending" {
		t.Fatalf("second proposal: %q", key)
	}

	// Return needs a comment; then the caseworker proposes again.
	_, err = f.svc.Return(ctx, sup, d.ID, screening.ReviewInput{Version: d.Version, Comment: "  "})
	if key := invalidKey(t, err, "comment"); key != "identification.error.comment_required" {
		t.Fatalf("return without comment: %q", key)
	}
	ret, err := f.svc.Return(ctx, sup, d.ID, screening.ReviewInput{Version: d.Version, Comment: "Ask about the debt."})
	if err != nil || ret.Status != screening.StatusReturned || ret.DecidedBy == nil || *ret.DecidedBy != sup.UserID {
		t.Fatalf("return = %+v, %v", ret, err)
	}
	if _, err := f.svc.Approve(ctx, sup, d.ID, screening.ReviewInput{Version: ret.Version}); !errors.Is(err, problem.ErrConflict) {
		t.Fatalf("approving a returned proposal = %v, want conflict", err)
	}

	// A supervisor's own proposal cannot be approved or returned by them.
	own := f.propose(t, thSupervisor, screening.DecisionIdentified)
	if _, err := f.svc.Approve(ctx, sup, own.ID, screening.ReviewInput{Version: own.Version}); !errors.Is(err, screening.ErrOwnProposal) || !errors.Is(err, problem.ErrForbidden) {
		t.Fatalf("approving one's own proposal = %v, want ErrOwnProposal", err)
	}
	if _, err := f.svc.Return(ctx, sup, own.ID, screening.ReviewInput{Version: own.Version, Comment: "mine"}); !errors.Is(err, screening.ErrOwnProposal) {
		t.Fatalf("returning one's own proposal = %v, want ErrOwnProposal", err)
	}
	// The database refuses it too.
	st, _ := f.env.App.Stores.For("TH")
	if err := st.DB.Exec(`UPDATE identification_decisions SET status = 'approved', decided_by = proposed_by, decided_at = now() WHERE id = ?`, own.ID).Error; err == nil {
		t.Fatal("the schema lets the proposer decide")
	}
	if err := st.DB.Exec(`DELETE FROM identification_decisions WHERE id = ?`, own.ID).Error; err != nil {
		t.Fatal(err)
	}

	d2 := f.propose(t, thWorker, screening.DecisionIdentified)
	if _, err := f.svc.Approve(ctx, sup, d2.ID, screening.ReviewInput{Version: d2.Version + 1}); !errors.Is(err, problem.ErrConflict) {
		t.Fatalf("stale approval = %v, want conflict", err)
	}
	ok, err := f.svc.Approve(ctx, sup, d2.ID, screening.ReviewInput{Version: d2.Version, Comment: "Consistent."})
	if err != nil || ok.Status != screening.StatusApproved || ok.Version != 2 {
		t.Fatalf("approve = %+v, %v", ok, err)
	}
	v, err := f.svc.Get(ctx, w, f.c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(v.Decisions) != 2 || v.Decisions[0].ID != d2.ID || v.Pending() != nil || v.Approved() == nil || v.Approved().ID != d2.ID {
		t.Fatalf("history = %+v", v.Decisions)
	}
	// Audit rows were written in the same transactions.
	var n int64
	st.DB.Raw(`SELECT count(*) FROM audit_log WHERE entity_id = ? AND action LIKE 'identification.%'`, f.c.ID).Scan(&n)
	if n != 5 { // propose, return, propose (supervisor), propose, approve
		t.Errorf("identification audit rows = %d, want 5", n)
	}
}

// TestTransitionGate: only an approved decision moves a case on from identification.
func TestTransitionGate(t *testing.T) {
	f := newFixture(t, cases.StageIdentification)
	ctx := context.Background()
	sup := f.actor(t, thSupervisor)

	_, err := f.tryMove(t, thWorker, cases.StageRecovery)
	if key := invalidKey(t, err, "to"); key != "case.error.decision_required" {
		t.Fatalf("recovery without a decision: %q", key)
	}
	d := f.propose(t, thWorker, screening.DecisionNotIdentified)
	if _, err := f.tryMove(t, thWorker, cases.StageRecovery); invalidKey(t, err, "to") != "case.error.decision_required" {
		t.Fatalf("recovery with a pending proposal = %v", err)
	}
	if _, err := f.tryMove(t, thSupervisor, cases.StageClosed); invalidKey(t, err, "to") != "case.error.decision_required" {
		t.Fatalf("closing with a pending proposal = %v", err)
	}
	if _, err := f.svc.Approve(ctx, sup, d.ID, screening.ReviewInput{Version: d.Version}); err != nil {
		t.Fatal(err)
	}
	// Approved "not identified": no recovery, but closing is allowed.
	if _, err := f.tryMove(t, thWorker, cases.StageRecovery); invalidKey(t, err, "to") != "case.error.decision_required" {
		t.Fatalf("recovery after not identified = %v", err)
	}
	// Going back to screening needs no decision; a newer approved "identified" then opens recovery.
	f.move(t, thWorker, cases.StageScreening)
	d2 := f.propose(t, thWorker, screening.DecisionIdentified)
	if _, err := f.svc.Approve(ctx, sup, d2.ID, screening.ReviewInput{Version: d2.Version}); err != nil {
		t.Fatal(err)
	}
	f.move(t, thWorker, cases.StageIdentification)
	if _, err := f.tryMove(t, thSupervisor, cases.StageClosed); invalidKey(t, err, "to") != "case.error.decision_required" {
		t.Fatalf("closing after the latest decision is identified = %v", err)
	}
	f.move(t, thWorker, cases.StageRecovery)
	if f.c.Stage != cases.StageRecovery {
		t.Fatalf("stage = %s", f.c.Stage)
	}
	// The screening is closed for edits once the case has moved on.
	_, err = f.svc.ProposeDecision(ctx, f.actor(t, thWorker), f.c.ID, screening.ProposalInput{Decision: "identified", LegalBasis: "x"})
	if key := invalidKey(t, err, ""); key != "screening.error.not_open" {
		t.Fatalf("propose in recovery: %q", key)
	}
}

func TestClosingAfterNotIdentified(t *testing.T) {
	f := newFixture(t, cases.StageIdentification)
	d := f.propose(t, thWorker, screening.DecisionUndetermined)
	if _, err := f.svc.Approve(context.Background(), f.actor(t, thSupervisor), d.ID, screening.ReviewInput{Version: 1}); err != nil {
		t.Fatal(err)
	}
	f.move(t, thSupervisor, cases.StageClosed)
}

func TestBadInput(t *testing.T) {
	f := newFixture(t, cases.StageScreening)
	ctx := context.Background()
	w := f.actor(t, thWorker)
	long := strings.Repeat("ก", screening.MaxNarrative+1)
	tests := []struct {
		name, field, key string
		edit             func(*screening.Input)
	}{
		{"no date", "interview_date", "form.error.required", func(in *screening.Input) { in.InterviewDate = "" }},
		{"bad date", "interview_date", "form.error.date", func(in *screening.Input) { in.InterviewDate = "20/06/2025" }},
		{"future date", "interview_date", "form.error.date_range", func(in *screening.Input) { in.InterviewDate = "2999-01-01" }},
		{"no interviewer", "interviewer", "form.error.required", func(in *screening.Input) { in.Interviewer = "  " }},
		{"no language", "language", "form.error.required", func(in *screening.Input) { in.Language = "" }},
		{"long narrative", "narrative", "form.error.too_long", func(in *screening.Input) { in.Narrative = long }},
		{"unknown indicator", "indicators", "screening.error.indicator_unknown", func(in *screening.Input) {
			in.Indicators = append(in.Indicators, screening.AnswerInput{Indicator: "kidnapped_by_aliens", Answer: "present"})
		}},
		{"indicator twice", "indicators.torture", "screening.error.indicator_twice", func(in *screening.Input) {
			in.Indicators = append(in.Indicators, screening.AnswerInput{Indicator: "torture", Answer: "present"})
		}},
		{"bad answer", "indicators.isolation", "form.error.choose", func(in *screening.Input) {
			in.Indicators = append(in.Indicators, screening.AnswerInput{Indicator: "isolation", Answer: "yes"})
		}},
		{"channel elsewhere", "indicators.isolation.channels", "screening.error.channel", func(in *screening.Input) {
			in.Indicators = append(in.Indicators, screening.AnswerInput{Indicator: "isolation", Answer: "present", Channels: []string{"line"}})
		}},
		{"unknown channel", "indicators.recruited_online.channels", "screening.error.channel", func(in *screening.Input) {
			in.Indicators[1].Channels = []string{"myspace"}
		}},
		{"bad phase", "events.0.phase", "form.error.choose", func(in *screening.Input) { in.Events[0].Phase = "holiday" }},
		{"empty event", "events.1.place", "screening.error.event_empty", func(in *screening.Input) {
			in.Events[1].Place, in.Events[1].Description = "", ""
		}},
		{"bad country", "events.0.country", "form.error.country", func(in *screening.Input) { in.Events[0].Country = "XX" }},
		{"dates reversed", "events.1.date_to", "screening.error.date_order", func(in *screening.Input) { in.Events[1].DateTo = "2025-01-01" }},
		{"too many events", "events", "form.error.too_many", func(in *screening.Input) {
			in.Events = make([]screening.EventInput, screening.MaxEvents+1)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := validInput()
			tt.edit(&in)
			_, err := f.svc.RecordScreening(ctx, w, f.c.ID, in)
			if got := invalidKey(t, err, tt.field); got != tt.key {
				t.Errorf("field %s = %q, want %q (all: %v)", tt.field, got, tt.key, err)
			}
		})
	}
	f.record(t, validInput())
	for _, p := range []struct {
		in         screening.ProposalInput
		field, key string
	}{
		{screening.ProposalInput{Decision: "victim", LegalBasis: "x"}, "decision", "form.error.choose"},
		{screening.ProposalInput{Decision: "identified", LegalBasis: " "}, "legal_basis", "form.error.required"},
		{screening.ProposalInput{Decision: "identified", LegalBasis: strings.Repeat("x", 1001)}, "legal_basis", "form.error.too_long"},
	} {
		_, err := f.svc.ProposeDecision(ctx, w, f.c.ID, p.in)
		if got := invalidKey(t, err, p.field); got != p.key {
			t.Errorf("proposal %+v: %s = %q, want %q", p.in, p.field, got, p.key)
		}
	}
	// A case at reception is not open for screening.
	age := 30
	_, c, err := f.env.App.Cases.Intake(ctx, w, cases.IntakeInput{GivenName: "Dara", Sex: "male", AgeEstimate: &age, Nationality: "KH"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.svc.RecordScreening(ctx, w, c.ID, validInput())
	if key := invalidKey(t, err, ""); key != "screening.error.not_open" {
		t.Errorf("record at reception: %q", key)
	}
}

// TestDemoDecisions checks the demo data: every case past identification has an approved
// "identified" decision, and the cases in identification wait for approval.
func TestDemoDecisions(t *testing.T) {
	f := newFixture(t, cases.StageScreening)
	for _, cc := range []string{"TH", "KH"} {
		st, _ := f.env.App.Stores.For(cc)
		var missing, pending, identification int64
		st.DB.Raw(`SELECT count(*) FROM cases c WHERE c.stage IN ('recovery', 'return_preparation', 'handover', 'reintegration')
			AND NOT EXISTS (SELECT 1 FROM identification_decisions d WHERE d.case_id = c.id AND d.status = 'approved' AND d.decision = 'identified')`).Scan(&missing)
		st.DB.Raw(`SELECT count(*) FROM cases c WHERE c.stage = 'identification'`).Scan(&identification)
		st.DB.Raw(`SELECT count(*) FROM cases c WHERE c.stage = 'identification'
			AND EXISTS (SELECT 1 FROM identification_decisions d WHERE d.case_id = c.id AND d.status = 'proposed')`).Scan(&pending)
		if missing != 0 || identification == 0 || pending != identification {
			t.Errorf("%s: %d cases past identification without approval; %d of %d in identification pending", cc, missing, pending, identification)
		}
	}
}

// TestLabels checks that every code the pages show has a label in every language.
func TestLabels(t *testing.T) {
	b, err := locale.Load()
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, g := range screening.Groups {
		keys = append(keys, "screening.group."+string(g))
	}
	for _, ind := range screening.Indicators {
		keys = append(keys, "screening.indicator."+ind.Code)
	}
	for prefix, codes := range map[string][]string{"screening.answer.": screening.Answers, "screening.channel.": screening.Channels,
		"screening.phase.": screening.Phases, "identification.decision.": screening.Decisions, "identification.status.": screening.Statuses} {
		for _, c := range codes {
			keys = append(keys, prefix+c)
		}
	}
	for _, lang := range locale.Supported {
		for _, k := range keys {
			if !b.Has(lang, k) {
				t.Errorf("%s: no %q", lang, k)
			}
		}
	}
}
