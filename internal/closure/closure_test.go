package closure_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"homeward/internal/apptest"
	"homeward/internal/authz"
	"homeward/internal/cases"
	"homeward/internal/closure"
	"homeward/internal/consent"
	"homeward/internal/problem"
	"homeward/internal/services"
)

func TestMain(m *testing.M) { apptest.Main(m) }

const (
	thWorker     = "caseworker@th-msdhs-sakaeo.demo"
	thSupervisor = "supervisor@th-msdhs-sakaeo.demo"
	thPoliceSup  = "supervisor@th-pct.demo"
	thAuditor    = "auditor@th-msdhs-sakaeo.demo"
	khSupervisor = "supervisor@kh-mosvy-poipet.demo"
	thNGO        = "ngo_worker@ngo-th-legal.demo"
)

// recoveryCase takes a person in and walks the case to recovery through an approved decision.
func recoveryCase(tb testing.TB, env *apptest.Env) *cases.Case {
	tb.Helper()
	ctx := context.Background()
	age := 26
	w := env.Actor(tb, thWorker)
	_, c, err := env.App.Cases.Intake(ctx, w, cases.IntakeInput{GivenName: "Kanha", Sex: "female", AgeEstimate: &age, Nationality: "KH"})
	if err != nil {
		tb.Fatal(err)
	}
	st, _ := env.App.Stores.For("TH")
	// Straight to recovery, as the demo's older cases are (the stage table is tested in cases).
	if err := st.DB.Exec(`UPDATE cases SET stage = 'recovery' WHERE id = ?`, c.ID).Error; err != nil {
		tb.Fatal(err)
	}
	c.Stage = cases.StageRecovery
	return c
}

func TestCaseworkerCannotCloseDirectly(t *testing.T) {
	env := apptest.New(t)
	c := recoveryCase(t, env)
	_, err := env.App.Cases.Transition(context.Background(), env.Actor(t, thWorker), c.ID,
		cases.TransitionInput{To: cases.StageClosed, Reason: "reintegrated", Version: c.Version})
	inv, ok := problem.AsInvalid(err)
	if !ok || inv.Fields["to"] != "case.error.transition_needs_supervisor" {
		t.Fatalf("caseworker closing = %v, want 422 to: transition_needs_supervisor", err)
	}
	st, _ := env.App.Stores.For("TH")
	var stage string
	st.DB.Raw(`SELECT stage FROM cases WHERE id = ?`, c.ID).Scan(&stage)
	if stage != "recovery" {
		t.Errorf("stage = %s after a refused closure", stage)
	}
}

func TestRequestApproveReopen(t *testing.T) {
	env := apptest.New(t)
	ctx := context.Background()
	svc := closure.New(env.App.Stores, env.App.Cases, env.App.Exchange)
	c := recoveryCase(t, env)
	w, sup := env.Actor(t, thWorker), env.Actor(t, thSupervisor)

	// An outstanding referral of the case, revoked by the closure.
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

	if _, err := svc.RequestClosure(ctx, w, c.ID, closure.RequestInput{Reason: "happy"}); err == nil {
		t.Error("an unknown reason was accepted")
	}
	r, err := svc.RequestClosure(ctx, w, c.ID, closure.RequestInput{Reason: "reintegrated", Note: "Working at home"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.RequestClosure(ctx, w, c.ID, closure.RequestInput{Reason: "lost_contact"}); !errors.Is(err, problem.ErrConflict) {
		t.Errorf("second request = %v, want conflict", err)
	}
	// The caseworker cannot decide; a supervisor who asked cannot either.
	if _, _, err := svc.Approve(ctx, w, r.ID, ""); !errors.Is(err, authz.ErrNotFound) {
		t.Errorf("caseworker approve = %v, want not found", err)
	}
	if _, err := svc.Return(ctx, sup, r.ID, ""); err == nil {
		t.Error("a return without a comment was accepted")
	}
	if _, err := svc.Return(ctx, sup, r.ID, "Check the last visit first"); err != nil {
		t.Fatal(err)
	}
	r2, err := svc.RequestClosure(ctx, sup, c.ID, closure.RequestInput{Reason: "reintegrated"})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := svc.Approve(ctx, sup, r2.ID, ""); !errors.Is(err, problem.ErrForbidden) {
		t.Errorf("approving one's own request = %v, want forbidden", err)
	}
	if _, err := svc.Return(ctx, sup, r2.ID, "no"); !errors.Is(err, problem.ErrForbidden) {
		t.Errorf("returning one's own request = %v, want forbidden", err)
	}
	if _, err := svc.Return(ctx, env.Actor(t, thPoliceSup), r2.ID, "no"); !errors.Is(err, authz.ErrNotFound) {
		t.Errorf("supervisor of another agency = %v, want not found", err)
	}
	if _, err := svc.Return(ctx, env.Actor(t, khSupervisor), r2.ID, "no"); !errors.Is(err, authz.ErrNotFound) {
		t.Errorf("supervisor of the other store = %v, want not found", err)
	}
	// Another supervisor approves: the case closes and the referral is revoked.
	if _, err := env.App.Directory.CreateUser(ctx, "", "supervisor2@th-msdhs-sakaeo.demo", "Second Supervisor", "homeward-demo",
		sup.AgencyID, "supervisor"); err != nil {
		t.Fatal(err)
	}
	other := env.Actor(t, "supervisor2@th-msdhs-sakaeo.demo")
	approved, n, err := svc.Approve(ctx, other, r2.ID, "Plan goals met")
	if err != nil || approved.Status != "approved" || n != 1 {
		t.Fatalf("approve = %+v, %d, %v", approved, n, err)
	}
	if _, _, err := svc.Approve(ctx, other, r2.ID, ""); !errors.Is(err, problem.ErrConflict) {
		t.Errorf("second approval = %v, want conflict", err)
	}
	var status string
	env.App.Hub.Raw(`SELECT status FROM packets WHERE id = ?`, p.ID).Scan(&status)
	if status != "revoked" {
		t.Errorf("referral after closure: %s, want revoked", status)
	}
	st, err := svc.Get(ctx, w, c.ID)
	if err != nil || st.Stage != cases.StageClosed || st.Pending != nil || len(st.Requests) != 2 {
		t.Fatalf("closure section = %+v, %v", st, err)
	}
	if _, err := svc.RequestClosure(ctx, w, c.ID, closure.RequestInput{Reason: "reintegrated"}); err == nil {
		t.Error("a closed case was asked to close again")
	}
	// Reopen: supervisors only, with a reason.
	if _, err := svc.Reopen(ctx, w, c.ID, closure.ReopenInput{To: cases.StageRecovery, Reason: "x", Version: st.Version}); !errors.Is(err, authz.ErrNotFound) {
		t.Errorf("caseworker reopen = %v, want not found", err)
	}
	if _, err := svc.Reopen(ctx, sup, c.ID, closure.ReopenInput{To: cases.StageRecovery, Version: st.Version}); err == nil {
		t.Error("a reopening without reason was accepted")
	}
	reopened, err := svc.Reopen(ctx, sup, c.ID, closure.ReopenInput{To: cases.StageReintegration, Reason: "Threats from the recruiter", Version: st.Version})
	if err != nil || reopened.Stage != cases.StageReintegration {
		t.Fatalf("reopen = %+v, %v", reopened, err)
	}
}

func TestRefused(t *testing.T) {
	env := apptest.New(t)
	ctx := context.Background()
	svc := closure.New(env.App.Stores, env.App.Cases, env.App.Exchange)
	c := recoveryCase(t, env)
	for _, email := range []string{khSupervisor, thAuditor, thNGO} {
		a := env.Actor(t, email)
		if _, err := svc.Get(ctx, a, c.ID); !errors.Is(err, authz.ErrNotFound) {
			t.Errorf("%s Get = %v", email, err)
		}
		if _, err := svc.RequestClosure(ctx, a, c.ID, closure.RequestInput{Reason: "deceased"}); !errors.Is(err, authz.ErrNotFound) {
			t.Errorf("%s RequestClosure = %v", email, err)
		}
	}
}
