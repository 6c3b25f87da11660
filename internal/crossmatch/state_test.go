package crossmatch_test

import (
	"context"
	"errors"
	"testing"

	"homeward/internal/apptest"
	"homeward/internal/authz"
	"homeward/internal/cases"
	"homeward/internal/consent"
	"homeward/internal/crossmatch"
	"homeward/internal/exchange"
	"homeward/internal/problem"
)

// page lists one page of candidates as email.
func page(t *testing.T, env *apptest.Env, email string, f crossmatch.Filter) *crossmatch.CandidatePage {
	t.Helper()
	p, err := env.App.Linkage.Page(context.Background(), env.Actor(t, email), f)
	if err != nil {
		t.Fatalf("page %+v as %s: %v", f, email, err)
	}
	return p
}

// askApproved has the KH supervisor ask about candidate k of the KH case and another KH supervisor
// approve the question; it returns the question.
func askApproved(t *testing.T, env *apptest.Env, khCase, k string, second *authz.Actor) *exchange.Packet {
	t.Helper()
	ctx := context.Background()
	objection(t, env, khWorker, khCase, consent.AnswerGiven)
	p, err := env.App.Linkage.Ask(ctx, env.Actor(t, khSupervisor), k, crossmatch.AskInput{})
	if err != nil {
		t.Fatalf("ask: %v", err)
	}
	if _, err := env.App.Exchange.Approve(ctx, second, p.ID, 0); err != nil {
		t.Fatalf("approve: %v", err)
	}
	return p
}

// TestAnswersReachBothSides: a question answered "not the same" by the TH supervisor (the
// recipient) closes the TH candidate at once, with who and when; the KH candidate (the asker's)
// shows the question's status while it travels and closes with the TH agency's answer once the
// reply reaches the KH store through the hub. A second pair answered "same person" is confirmed on
// both sides. Answering twice, on the list or in a reply, and asking about an answered candidate,
// are conflicts naming the reason.
func TestAnswersReachBothSides(t *testing.T) {
	env := apptest.New(t)
	ctx := context.Background()
	th, kh := pair(t, env)
	_, th2, err := env.App.Cases.Intake(ctx, env.Actor(t, thWorker), cases.IntakeInput{GivenName: "มาลี", FamilyName: "ศรีสุข",
		Sex: "female", BirthDate: "1988-11-02", Nationality: "TH"})
	if err != nil {
		t.Fatal(err)
	}
	_, kh2, err := env.App.Cases.Intake(ctx, env.Actor(t, khWorker), cases.IntakeInput{GivenName: "Malee", FamilyName: "Srisuk",
		Sex: "female", BirthDate: "1988-11-02", Nationality: "TH"})
	if err != nil {
		t.Fatal(err)
	}
	publish(t, env)
	k, k2 := forCase(list(t, env, khSupervisor), kh.ID), forCase(list(t, env, khSupervisor), kh2.ID)
	c, c2 := forCase(list(t, env, thSupervisor), th.ID), forCase(list(t, env, thSupervisor), th2.ID)
	if k == nil || k2 == nil || c == nil || c2 == nil {
		t.Fatal("missing candidates")
	}
	if k.State != crossmatch.StateNotAsked || k.Question != nil || !k.Open() {
		t.Errorf("before the question: %+v", k)
	}

	second := secondSupervisor(t, env, env.Actor(t, khSupervisor).AgencyID)
	objection(t, env, khWorker, kh.ID, consent.AnswerGiven)
	p, err := env.App.Linkage.Ask(ctx, env.Actor(t, khSupervisor), k.ID, crossmatch.AskInput{})
	if err != nil {
		t.Fatal(err)
	}
	if got := forCase(list(t, env, khSupervisor), kh.ID); got == nil || got.State != crossmatch.StateAsked || got.Question == nil ||
		got.Question.PacketID != p.ID || got.Question.Status != string(exchange.StatusPendingApproval) {
		t.Fatalf("asked, waiting for approval: %+v", got)
	}
	_, err = env.App.Linkage.Ask(ctx, env.Actor(t, khSupervisor), k.ID, crossmatch.AskInput{})
	if cf, ok := problem.ConflictOf(err); !ok || cf.Key != "linkage.error.asked" {
		t.Errorf("asked twice: %v, want the conflict linkage.error.asked", err)
	}
	if _, err := env.App.Exchange.Approve(ctx, second, p.ID, 0); err != nil {
		t.Fatal(err)
	}
	if got := forCase(list(t, env, khSupervisor), kh.ID); got == nil || got.Question.Status != string(exchange.StatusSent) {
		t.Fatalf("asked, sent: %+v", got)
	}

	// The TH supervisor answers "not the same" in the reply: their candidate is closed at once.
	thSup := env.Actor(t, thSupervisor)
	if _, err := env.App.Exchange.Reply(ctx, thSup, p.ID, exchange.Payload{"same_person": "no"}); err != nil {
		t.Fatalf("answer: %v", err)
	}
	if forCase(list(t, env, thSupervisor), th.ID) != nil {
		t.Error("the answered candidate is still on the TH open list")
	}
	closed := forCase(page(t, env, thSupervisor, crossmatch.Filter{State: crossmatch.FilterClosed}).Items, th.ID)
	if closed == nil || closed.State != crossmatch.StateNotSame || closed.Answer == nil || closed.Answer.SamePerson ||
		!closed.Answer.InReply || closed.Answer.AnsweredBy == "" || closed.Answer.AnsweredAt.IsZero() {
		t.Fatalf("TH closed list: %+v", closed)
	}
	_, err = env.App.Exchange.Reply(ctx, thSup, p.ID, exchange.Payload{"same_person": "yes"})
	if cf, ok := problem.ConflictOf(err); !ok || cf.Key != "linkage.error.answered" {
		t.Errorf("second reply: %v, want the conflict linkage.error.answered", err)
	}
	if err := env.App.Linkage.NotSame(ctx, thSup, c.ID); !errors.Is(err, problem.ErrConflict) {
		t.Errorf("not the same after the reply: %v, want conflict", err)
	}
	var audited int64
	env.App.Hub.Raw(`SELECT count(*) FROM audit_log WHERE action = 'linkage.answer' AND entity_id = ?`, c.ID).Scan(&audited)
	if audited != 1 {
		t.Errorf("hub audit rows of the TH answer: %d", audited)
	}

	// The KH side: open and asked until the reply reaches the KH store, then closed with the answer
	// of the TH agency.
	if got := forCase(list(t, env, khSupervisor), kh.ID); got == nil || got.State != crossmatch.StateAsked {
		t.Errorf("KH before the reply arrives: %+v", got)
	}
	if _, err := env.App.Exchange.Sync(ctx, "KH"); err != nil {
		t.Fatal(err)
	}
	if forCase(list(t, env, khSupervisor), kh.ID) != nil {
		t.Error("the answered question is still on the KH open list")
	}
	got := forCase(page(t, env, khSupervisor, crossmatch.Filter{State: crossmatch.FilterClosed}).Items, kh.ID)
	if got == nil || got.State != crossmatch.StateNotSame || got.Answer != nil || got.Question == nil || got.Question.Answer == nil ||
		got.Question.Answer.SamePerson || got.OtherAgency.Slug != "th-msdhs-sakaeo" {
		t.Fatalf("KH closed list: %+v", got)
	}
	if err := env.App.Linkage.NotSame(ctx, env.Actor(t, khSupervisor), k.ID); !errors.Is(err, problem.ErrConflict) {
		t.Errorf("KH not the same after the other side's answer: %v, want conflict", err)
	}

	// The second pair: "same person", confirmed on both sides.
	p2 := askApproved(t, env, kh2.ID, k2.ID, second)
	if _, err := env.App.Exchange.Reply(ctx, thSup, p2.ID, exchange.Payload{"same_person": true, "note": "Same mother"}); err != nil {
		t.Fatal(err)
	}
	if _, err := env.App.Exchange.Sync(ctx, "KH"); err != nil {
		t.Fatal(err)
	}
	if got := forCase(page(t, env, thSupervisor, crossmatch.Filter{State: crossmatch.FilterClosed}).Items, th2.ID); got == nil ||
		got.State != crossmatch.StateSame || !got.Answer.SamePerson {
		t.Errorf("TH confirmed: %+v", got)
	}
	if got := forCase(page(t, env, khSupervisor, crossmatch.Filter{State: crossmatch.FilterClosed}).Items, kh2.ID); got == nil ||
		got.State != crossmatch.StateSame || !got.Question.Answer.SamePerson {
		t.Errorf("KH confirmed: %+v", got)
	}
	if got := page(t, env, khSupervisor, crossmatch.Filter{}); len(got.Items) != 0 {
		t.Errorf("KH open list after both answers: %+v", got.Items)
	}

	// The closed list of one case, and its refusals.
	if got := page(t, env, thSupervisor, crossmatch.Filter{State: crossmatch.FilterClosed, CaseID: th.ID}); len(got.Items) != 1 ||
		got.Items[0].CaseID != th.ID {
		t.Errorf("TH closed list of the case: %+v", got.Items)
	}
	for _, tc := range []struct {
		who string
		f   crossmatch.Filter
	}{
		{thWorker, crossmatch.Filter{State: crossmatch.FilterClosed}},
		{thPoliceSup, crossmatch.Filter{State: crossmatch.FilterClosed, CaseID: th.ID}},
		{khSupervisor, crossmatch.Filter{State: crossmatch.FilterClosed, CaseID: th.ID}},
	} {
		if _, err := env.App.Linkage.Page(ctx, env.Actor(t, tc.who), tc.f); !errors.Is(err, authz.ErrNotFound) {
			t.Errorf("%s %+v: %v, want not found", tc.who, tc.f, err)
		}
	}
	if got := page(t, env, thPoliceSup, crossmatch.Filter{State: crossmatch.FilterClosed}); len(got.Items) != 0 {
		t.Errorf("another agency's closed list: %+v", got.Items)
	}
}

// TestCandidatePages: pages of the open list, best first, follow one another without a gap or a
// repeat; a bad state or cursor is refused naming the field.
func TestCandidatePages(t *testing.T) {
	env := apptest.New(t)
	ctx := context.Background()
	names := [][2]string{{"Sokha", "Chan"}, {"Dara", "Pich"}, {"Bopha", "Keo"}}
	for i, n := range names {
		birth := []string{"1990-01-05", "1993-06-17", "1985-09-23"}[i]
		sex := []string{"female", "male", "female"}[i]
		for _, who := range []string{thWorker, khWorker} {
			if _, _, err := env.App.Cases.Intake(ctx, env.Actor(t, who), cases.IntakeInput{GivenName: n[0], FamilyName: n[1],
				Sex: sex, BirthDate: birth, Nationality: "KH"}); err != nil {
				t.Fatal(err)
			}
		}
	}
	publish(t, env)
	all := page(t, env, thSupervisor, crossmatch.Filter{})
	if len(all.Items) != 3 || all.NextCursor != "" {
		t.Fatalf("one page of everything: %d items, cursor %q", len(all.Items), all.NextCursor)
	}
	var seen []string
	f := crossmatch.Filter{Limit: 2}
	for i := 0; ; i++ {
		p := page(t, env, thSupervisor, f)
		for _, c := range p.Items {
			seen = append(seen, c.ID)
		}
		if p.NextCursor == "" {
			break
		}
		if i > 3 {
			t.Fatal("the pages do not end")
		}
		f.Cursor = p.NextCursor
	}
	if len(seen) != 3 {
		t.Fatalf("pages of 2 gave %d candidates", len(seen))
	}
	for i := range seen {
		if seen[i] != all.Items[i].ID {
			t.Errorf("candidate %d: %s in pages, %s in the whole list", i, seen[i], all.Items[i].ID)
		}
	}
	for _, tc := range []struct {
		f     crossmatch.Filter
		field string
	}{
		{crossmatch.Filter{State: "answered"}, "state"},
		{crossmatch.Filter{Cursor: "0.9_x"}, "cursor"},
		{crossmatch.Filter{Cursor: "2_0193f1e2-0000-7000-8000-000000000000"}, "cursor"},
	} {
		_, err := env.App.Linkage.Page(ctx, env.Actor(t, thSupervisor), tc.f)
		if inv, ok := problem.AsInvalid(err); !ok || inv.Fields[tc.field] == "" {
			t.Errorf("%+v: %v, want invalid %s", tc.f, err, tc.field)
		}
	}
}
