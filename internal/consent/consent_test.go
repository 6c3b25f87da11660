package consent_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"homeward/internal/apptest"
	"homeward/internal/authz"
	"homeward/internal/cases"
	"homeward/internal/consent"
	"homeward/internal/problem"
)

func TestMain(m *testing.M) { apptest.Main(m) }

const (
	thWorker     = "caseworker@th-msdhs-sakaeo.demo"
	thSupervisor = "supervisor@th-msdhs-sakaeo.demo"
	thPolice     = "investigator@th-pct.demo"
	thAuditor    = "auditor@th-msdhs-sakaeo.demo"
	khWorker     = "caseworker@kh-mosvy-poipet.demo"
	embassy      = "embassy_officer@th-embassy-pnh.demo"
)

// newCase registers a person with the TH caseworker and returns the case id.
func newCase(t testing.TB, env *apptest.Env) string {
	t.Helper()
	age := 30
	_, c, err := env.App.Cases.Intake(context.Background(), env.Actor(t, thWorker), cases.IntakeInput{
		GivenName: "Sokha", FamilyName: "Chan", Sex: "female", AgeEstimate: &age, Nationality: "KH"})
	if err != nil {
		t.Fatalf("intake: %v", err)
	}
	return c.ID
}

func given(p consent.Purpose) consent.Input {
	return consent.Input{Purpose: p, Answer: consent.AnswerGiven, AnsweredOn: "2026-01-10", Method: "spoken",
		Language: "km", Interpreter: "Dara Interp", Witness: "Mali Witness"}
}

func TestLedgerKeepsHistoryAndWithdraws(t *testing.T) {
	env := apptest.New(t)
	ctx := context.Background()
	svc := consent.New(env.App.Stores)
	a := env.Actor(t, thWorker)
	id := newCase(t, env)

	first, err := svc.Record(ctx, a, id, given(consent.PurposeShareEmbassy))
	if err != nil {
		t.Fatal(err)
	}
	refused := given(consent.PurposeNotifyHomeCountry)
	refused.Answer = consent.AnswerRefused
	if _, err := svc.Record(ctx, a, id, refused); err != nil {
		t.Fatal(err)
	}
	w := given("")
	w.Method, w.Witness = "thumbprint", "Mali Witness"
	withdrawn, err := svc.Withdraw(ctx, a, id, consent.PurposeShareEmbassy, w)
	if err != nil {
		t.Fatal(err)
	}
	if withdrawn.Supersedes == nil || *withdrawn.Supersedes != first.ID || withdrawn.Answer != consent.AnswerWithdrawn {
		t.Fatalf("withdrawal = %+v, want a new row superseding %s", withdrawn, first.ID)
	}

	l, err := svc.Ledger(ctx, a, id)
	if err != nil {
		t.Fatal(err)
	}
	if len(l.History) != 3 || l.Version != 3 {
		t.Fatalf("history = %d rows (version %d), want 3", len(l.History), l.Version)
	}
	// The first answer is still there, unchanged.
	var kept bool
	for _, c := range l.History {
		if c.ID == first.ID && c.Answer == consent.AnswerGiven {
			kept = true
		}
	}
	if !kept {
		t.Fatalf("the superseded answer is gone from the history: %+v", l.History)
	}
	cur := map[consent.Purpose]*consent.Consent{}
	for _, c := range l.Current {
		cur[c.Purpose] = c.Consent
	}
	if len(l.Current) != len(consent.Purposes) {
		t.Fatalf("current has %d purposes, want %d", len(l.Current), len(consent.Purposes))
	}
	if c := cur[consent.PurposeShareEmbassy]; c == nil || c.Answer != consent.AnswerWithdrawn {
		t.Fatalf("share_embassy now = %+v, want withdrawn", c)
	}
	if c := cur[consent.PurposeNotifyHomeCountry]; c == nil || c.Answer != consent.AnswerRefused {
		t.Fatalf("notify_home_country now = %+v, want refused", c)
	}
	if cur[consent.PurposeServices] != nil {
		t.Fatalf("services was never asked, got %+v", cur[consent.PurposeServices])
	}

	// InForce follows the head of each chain.
	st, _ := env.App.Stores.For("TH")
	for _, tc := range []struct {
		purpose consent.Purpose
		want    bool
	}{{consent.PurposeShareEmbassy, false}, {consent.PurposeNotifyHomeCountry, false}, {consent.PurposeServices, false}} {
		got, err := consent.InForce(st.DB, id, string(tc.purpose))
		if err != nil || got != tc.want {
			t.Errorf("InForce(%s) = %v, %v; want %v", tc.purpose, got, err, tc.want)
		}
	}
	again, err := svc.Record(ctx, a, id, given(consent.PurposeShareEmbassy))
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := consent.InForce(st.DB, id, string(consent.PurposeShareEmbassy)); err != nil || !ok {
		t.Fatalf("InForce after giving again = %v, %v", ok, err)
	}
	if again.Supersedes == nil || *again.Supersedes != withdrawn.ID {
		t.Fatalf("new answer supersedes %v, want %s", again.Supersedes, withdrawn.ID)
	}

	// Nothing was updated in place: every row still holds its first answer.
	var answers []string
	if err := st.DB.Raw(`SELECT answer FROM consents WHERE case_id = ? ORDER BY recorded_at, id`, id).Scan(&answers).Error; err != nil {
		t.Fatal(err)
	}
	if want := []string{"given", "refused", "withdrawn", "given"}; len(answers) != 4 || answers[0] != want[0] || answers[2] != want[2] || answers[3] != want[3] {
		t.Fatalf("rows = %v, want %v", answers, want)
	}
	// The database refuses to change or remove an answer.
	if err := st.DB.Exec(`UPDATE consents SET answer = 'given' WHERE id = ?`, withdrawn.ID).Error; err == nil {
		t.Fatal("an answer was updated in place")
	}
	if err := st.DB.Exec(`DELETE FROM consents WHERE id = ?`, first.ID).Error; err == nil {
		t.Fatal("an answer was deleted")
	}
	var audited int64
	st.DB.Raw(`SELECT count(*) FROM audit_log WHERE entity = 'case' AND entity_id = ? AND action IN ('consent.record', 'consent.withdraw', 'consent.read')`, id).Scan(&audited)
	if audited != 5 {
		t.Fatalf("audit rows = %d, want 5 (3 records, 1 withdrawal, 1 read)", audited)
	}
}

func TestStaleVersionIsConflict(t *testing.T) {
	env := apptest.New(t)
	ctx := context.Background()
	svc := consent.New(env.App.Stores)
	a := env.Actor(t, thWorker)
	id := newCase(t, env)
	zero := 0
	in := given(consent.PurposeServices)
	in.Version = &zero
	if _, err := svc.Record(ctx, a, id, in); err != nil {
		t.Fatal(err)
	}
	in.Purpose = consent.PurposeStatistics // still version 0: someone recorded meanwhile
	if _, err := svc.Record(ctx, a, id, in); !errors.Is(err, problem.ErrConflict) {
		t.Fatalf("stale version: %v, want conflict", err)
	}
}

func TestBadInput(t *testing.T) {
	env := apptest.New(t)
	svc := consent.New(env.App.Stores).WithClock(func() time.Time { return time.Date(2026, 3, 1, 3, 0, 0, 0, time.UTC) })
	a := env.Actor(t, thWorker)
	id := newCase(t, env)
	tests := []struct {
		name  string
		edit  func(*consent.Input)
		field string
		key   string
	}{
		{"unknown purpose", func(in *consent.Input) { in.Purpose = "marketing" }, "purpose", "form.error.choose"},
		{"unknown answer", func(in *consent.Input) { in.Answer = "maybe" }, "answer", "form.error.choose"},
		{"no date", func(in *consent.Input) { in.AnsweredOn = "" }, "answered_on", "form.error.required"},
		{"bad date", func(in *consent.Input) { in.AnsweredOn = "10/01/2026" }, "answered_on", "form.error.date"},
		{"future date", func(in *consent.Input) { in.AnsweredOn = "2026-03-02" }, "answered_on", "form.error.date_range"},
		{"unknown method", func(in *consent.Input) { in.Method = "email" }, "method", "form.error.choose"},
		{"no language", func(in *consent.Input) { in.Language = " " }, "language", "consent.error.language"},
		{"bad language", func(in *consent.Input) { in.Language = "not a language!" }, "language", "consent.error.language"},
		{"thumbprint without witness", func(in *consent.Input) { in.Method, in.Witness = "thumbprint", "" }, "witness", "consent.error.witness_required"},
		{"long witness", func(in *consent.Input) { in.Witness = string(make([]rune, 201)) }, "witness", "form.error.too_long"},
		{"withdraw what was never given", func(in *consent.Input) { in.Answer = consent.AnswerWithdrawn }, "answer", "consent.error.nothing_to_withdraw"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := given(consent.PurposeServices)
			tt.edit(&in)
			_, err := svc.Record(context.Background(), a, id, in)
			inv, ok := problem.AsInvalid(err)
			if !ok || inv.Fields[tt.field] != tt.key {
				t.Fatalf("err = %v, want %s: %s", err, tt.field, tt.key)
			}
		})
	}
	// Today (UTC+7) is accepted.
	in := given(consent.PurposeServices)
	in.AnsweredOn = "2026-03-01"
	if _, err := svc.Record(context.Background(), a, id, in); err != nil {
		t.Fatalf("today: %v", err)
	}
}

func TestRefusedAccess(t *testing.T) {
	env := apptest.New(t)
	ctx := context.Background()
	svc := consent.New(env.App.Stores)
	id := newCase(t, env)
	if _, err := svc.Record(ctx, env.Actor(t, thWorker), id, given(consent.PurposeServices)); err != nil {
		t.Fatal(err)
	}
	for _, email := range []string{khWorker, thPolice, thAuditor, embassy} {
		t.Run(email, func(t *testing.T) {
			a := env.Actor(t, email)
			if _, err := svc.Ledger(ctx, a, id); !errors.Is(err, authz.ErrNotFound) {
				t.Errorf("Ledger: %v, want not found", err)
			}
			// Even invalid input is not found first: nothing tells that the case exists.
			if _, err := svc.Record(ctx, a, id, consent.Input{}); !errors.Is(err, authz.ErrNotFound) {
				t.Errorf("Record: %v, want not found", err)
			}
		})
	}
	// The police investigator of another agency reads consent in general but not this case;
	// a supervisor of the owner agency reads it.
	if _, err := svc.Ledger(ctx, env.Actor(t, thSupervisor), id); err != nil {
		t.Fatalf("supervisor: %v", err)
	}
}

// BenchmarkRecord appends one answer: case lookup, row lock, chain heads, insert and audit.
func BenchmarkRecord(b *testing.B) {
	env := apptest.New(b)
	ctx := context.Background()
	svc := consent.New(env.App.Stores)
	a := env.Actor(b, thWorker)
	id := newCase(b, env)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := svc.Record(ctx, a, id, given(consent.PurposeServices)); err != nil {
			b.Fatal(err)
		}
	}
}
