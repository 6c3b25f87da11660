package services_test

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"homeward/internal/apptest"
	"homeward/internal/authz"
	"homeward/internal/cases"
	"homeward/internal/consent"
	"homeward/internal/exchange"
	"homeward/internal/problem"
	"homeward/internal/services"
)

func TestMain(m *testing.M) { apptest.Main(m) }

const (
	thWorker     = "caseworker@th-msdhs-sakaeo.demo"
	thSupervisor = "supervisor@th-msdhs-sakaeo.demo"
	thAuditor    = "auditor@th-msdhs-sakaeo.demo"
	thAnalyst    = "analyst@th-msdhs-sakaeo.demo"
	thPolice     = "investigator@th-pct.demo"
	khWorker     = "caseworker@kh-mosvy-poipet.demo"
	thNGO        = "ngo_worker@ngo-th-legal.demo"
	khNGO        = "ngo_worker@ngo-kh-shelter.demo"
	embassy      = "embassy_officer@kh-embassy-bkk.demo"
)

type fixture struct {
	env    *apptest.Env
	svc    *services.Service
	caseID string
}

// newFixture takes a Cambodian in at the TH welfare agency, with the person's consent to share
// with an NGO recorded when consentNGO is set.
func newFixture(tb testing.TB, consentNGO bool) *fixture {
	tb.Helper()
	env := apptest.New(tb)
	ctx := context.Background()
	age := 23
	_, c, err := env.App.Cases.Intake(ctx, env.Actor(tb, thWorker), cases.IntakeInput{GivenName: "Sokha", FamilyName: "Chan",
		Sex: "female", AgeEstimate: &age, Nationality: "KH", Languages: []string{"km"}})
	if err != nil {
		tb.Fatalf("intake: %v", err)
	}
	if consentNGO {
		giveConsent(tb, env, c.ID)
	}
	return &fixture{env: env, svc: services.New(env.App.Stores, env.App.Directory, env.App.Exchange), caseID: c.ID}
}

func giveConsent(tb testing.TB, env *apptest.Env, caseID string) {
	tb.Helper()
	_, err := env.App.Consent.Record(context.Background(), env.Actor(tb, thWorker), caseID, consent.Input{
		Purpose: consent.PurposeShareNGO, Answer: consent.AnswerGiven, AnsweredOn: time.Now().Format(time.DateOnly),
		Method: "spoken", Language: "km"})
	if err != nil {
		tb.Fatalf("consent: %v", err)
	}
}

func (f *fixture) actor(tb testing.TB, email string) *authz.Actor { return f.env.Actor(tb, email) }

func fields(tb testing.TB, err error) map[string]string {
	tb.Helper()
	inv, ok := problem.AsInvalid(err)
	if !ok {
		tb.Fatalf("err = %v, want invalid", err)
	}
	return inv.Fields
}

func TestCreateUpdateAndSeal(t *testing.T) {
	f := newFixture(t, false)
	ctx := context.Background()
	w := f.actor(t, thWorker)
	r, err := f.svc.Create(ctx, w, f.caseID, services.Input{Kind: "shelter", Status: "in_progress", ProviderKind: "own",
		StartDate: time.Now().AddDate(0, 0, -2).Format(time.DateOnly), Outcome: "Room 4 at the Sa Kaeo centre"})
	if err != nil || r.Version != 1 || r.ProviderAgency != "" {
		t.Fatalf("create = %+v, %v", r, err)
	}
	// Provided by the police of the same store; then an NGO.
	p, err := f.svc.Create(ctx, w, f.caseID, services.Input{Kind: "legal_aid", Status: "planned", ProviderKind: "agency", ProviderAgency: "th-pct"})
	if err != nil || p.ProviderAgency != "th-pct" {
		t.Fatalf("create with another agency = %+v, %v", p, err)
	}
	in := services.Input{Kind: "shelter", Status: "completed", ProviderKind: "own", StartDate: r.StartDate.Format(time.DateOnly),
		EndDate: time.Now().Format(time.DateOnly), Outcome: "Moved to family", Version: 1}
	up, err := f.svc.Update(ctx, w, f.caseID, r.ID, in)
	if err != nil || up.Status != "completed" || up.Version != 2 || up.Outcome != "Moved to family" {
		t.Fatalf("update = %+v, %v", up, err)
	}
	if _, err := f.svc.Update(ctx, w, f.caseID, r.ID, in); !errors.Is(err, problem.ErrConflict) {
		t.Errorf("stale update = %v, want conflict", err)
	}
	list, err := f.svc.List(ctx, w, f.caseID)
	if err != nil || len(list.Items) != 2 {
		t.Fatalf("list = %+v, %v", list, err)
	}
	if d := cmp.Diff(*up, list.Items[0]); d != "" {
		t.Errorf("listed service differs (-updated +listed):\n%s", d)
	}
	st, _ := f.env.App.Stores.For("TH")
	var enc []byte
	st.DB.Raw(`SELECT outcome_enc FROM services WHERE id = ?`, r.ID).Row().Scan(&enc)
	if len(enc) == 0 || bytes.Contains(enc, []byte("family")) {
		t.Errorf("outcome stored in clear: %q", enc)
	}
	var actions []string
	st.DB.Raw(`SELECT action FROM audit_log WHERE entity_id = ? AND action LIKE 'service%' ORDER BY id`, f.caseID).Scan(&actions)
	if d := cmp.Diff([]string{"service.create", "service.create", "service.update", "services.read"}, actions); d != "" {
		t.Errorf("audit (-want +got):\n%s", d)
	}
}

func TestBadInput(t *testing.T) {
	f := newFixture(t, false)
	w := f.actor(t, thWorker)
	future := time.Now().AddDate(0, 0, 5).Format(time.DateOnly)
	tests := []struct {
		name string
		in   services.Input
		want map[string]string
	}{
		{"empty", services.Input{}, map[string]string{"kind": "form.error.choose", "status": "form.error.choose", "provider_kind": "form.error.choose"}},
		{"provider agency missing", services.Input{Kind: "medical", Status: "planned", ProviderKind: "ngo"},
			map[string]string{"provider_agency": "form.error.required"}},
		{"NGO that is an embassy", services.Input{Kind: "medical", Status: "planned", ProviderKind: "ngo", ProviderAgency: "kh-embassy-bkk"},
			map[string]string{"provider_agency": "services.error.recipient_not_ngo"}},
		{"agency of the other store", services.Input{Kind: "medical", Status: "planned", ProviderKind: "agency", ProviderAgency: "kh-mosvy-poipet"},
			map[string]string{"provider_agency": "services.error.provider_not_store"}},
		{"unknown agency", services.Input{Kind: "medical", Status: "planned", ProviderKind: "agency", ProviderAgency: "nowhere"},
			map[string]string{"provider_agency": "services.error.provider_unknown"}},
		{"end before start", services.Input{Kind: "medical", Status: "completed", ProviderKind: "own", StartDate: "2026-01-10", EndDate: "2026-01-09"},
			map[string]string{"end_date": "services.error.end_before_start"}},
		{"completed in the future", services.Input{Kind: "medical", Status: "completed", ProviderKind: "own", EndDate: future},
			map[string]string{"end_date": "services.error.future"}},
		{"completed without end", services.Input{Kind: "medical", Status: "stopped", ProviderKind: "own"},
			map[string]string{"end_date": "form.error.required"}},
		{"bad date", services.Input{Kind: "medical", Status: "planned", ProviderKind: "own", StartDate: "10/01/2026"},
			map[string]string{"start_date": "form.error.date"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := f.svc.Create(context.Background(), w, f.caseID, tt.in)
			if d := cmp.Diff(tt.want, fields(t, err)); d != "" {
				t.Errorf("fields (-want +got):\n%s", d)
			}
		})
	}
	var n int
	st, _ := f.env.App.Stores.For("TH")
	st.DB.Raw(`SELECT count(*) FROM services WHERE case_id = ?`, f.caseID).Scan(&n)
	if n != 0 {
		t.Errorf("%d services saved from bad input", n)
	}
}

// TestRefused: another store, another agency, roles without the section: not found.
func TestRefused(t *testing.T) {
	f := newFixture(t, true)
	ctx := context.Background()
	own, err := f.svc.Create(ctx, f.actor(t, thWorker), f.caseID, services.Input{Kind: "medical", Status: "planned", ProviderKind: "own"})
	if err != nil {
		t.Fatal(err)
	}
	in := services.Input{Kind: "medical", Status: "planned", ProviderKind: "own", Version: 1}
	ref := services.ReferralInput{Recipient: "ngo-th-legal", Service: "legal_aid", Needs: "Lawyer for the labour claim"}
	for _, email := range []string{khWorker, thPolice, thAuditor, thAnalyst, thNGO, embassy} {
		t.Run(email, func(t *testing.T) {
			a := f.actor(t, email)
			if _, err := f.svc.List(ctx, a, f.caseID); !errors.Is(err, authz.ErrNotFound) {
				t.Errorf("List = %v, want not found", err)
			}
			if _, err := f.svc.Create(ctx, a, f.caseID, in); !errors.Is(err, authz.ErrNotFound) {
				t.Errorf("Create = %v, want not found", err)
			}
			if _, err := f.svc.Update(ctx, a, f.caseID, own.ID, in); !errors.Is(err, authz.ErrNotFound) {
				t.Errorf("Update = %v, want not found", err)
			}
			if _, _, err := f.svc.Refer(ctx, a, f.caseID, ref); !errors.Is(err, authz.ErrNotFound) {
				t.Errorf("Refer = %v, want not found", err)
			}
		})
	}
	// A service id of another case of the same agency is not found under this case.
	age := 30
	_, other, err := f.env.App.Cases.Intake(ctx, f.actor(t, thWorker), cases.IntakeInput{GivenName: "Dara", Sex: "male", AgeEstimate: &age, Nationality: "KH"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Update(ctx, f.actor(t, thWorker), other.ID, own.ID, in); !errors.Is(err, authz.ErrNotFound) {
		t.Errorf("Update through another case = %v, want not found", err)
	}
}

// TestReferralRefusals: no consent, a recipient that is not an NGO, bad input; nothing is sent.
func TestReferralRefusals(t *testing.T) {
	f := newFixture(t, false)
	ctx := context.Background()
	w := f.actor(t, thWorker)
	var demoPackets int // the demo's own referrals
	f.env.App.Hub.Raw(`SELECT count(*) FROM packets WHERE kind = 'referral'`).Scan(&demoPackets)
	ok := services.ReferralInput{Recipient: "ngo-th-legal", Service: "legal_aid", Needs: "Lawyer for the labour claim"}
	if _, _, err := f.svc.Refer(ctx, w, f.caseID, ok); fields(t, err)["consent"] != "services.error.no_consent" {
		t.Errorf("without consent: %v", err)
	}
	giveConsent(t, f.env, f.caseID)
	tests := []struct {
		name string
		in   services.ReferralInput
		want map[string]string
	}{
		{"to an embassy", services.ReferralInput{Recipient: "kh-embassy-bkk", Service: "legal_aid", Needs: "x"},
			map[string]string{"recipient": "services.error.recipient_not_ngo"}},
		{"to a welfare agency", services.ReferralInput{Recipient: "th-pct", Service: "legal_aid", Needs: "x"},
			map[string]string{"recipient": "services.error.recipient_not_ngo"}},
		{"empty", services.ReferralInput{}, map[string]string{"recipient": "form.error.required", "service": "form.error.choose", "needs": "form.error.required"}},
		{"expiry", services.ReferralInput{Recipient: "ngo-th-legal", Service: "legal_aid", Needs: "x", ExpiresInDays: 400, Urgency: "now"},
			map[string]string{"expires_in_days": "services.error.expiry", "urgency": "form.error.choose"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := f.svc.Refer(ctx, w, f.caseID, tt.in)
			if d := cmp.Diff(tt.want, fields(t, err)); d != "" {
				t.Errorf("fields (-want +got):\n%s", d)
			}
		})
	}
	var packets, rows int
	f.env.App.Hub.Raw(`SELECT count(*) FROM packets WHERE kind = 'referral'`).Scan(&packets)
	st, _ := f.env.App.Stores.For("TH")
	st.DB.Raw(`SELECT count(*) FROM services WHERE case_id = ?`, f.caseID).Scan(&rows)
	if packets != demoPackets || rows != 0 {
		t.Errorf("refused referrals left %d packets and %d services", packets-demoPackets, rows)
	}
}

// refer prepares a referral as the caseworker and has the supervisor approve it.
func (f *fixture) refer(tb testing.TB, days int) (*services.Record, *exchange.Packet) {
	tb.Helper()
	ctx := context.Background()
	r, p, err := f.svc.Refer(ctx, f.actor(tb, thWorker), f.caseID, services.ReferralInput{Recipient: "ngo-th-legal",
		Service: "legal_aid", Needs: "Lawyer for the labour claim", Urgency: "soon", ExpiresInDays: days})
	if err != nil {
		tb.Fatalf("refer: %v", err)
	}
	if _, err := f.env.App.Exchange.Approve(ctx, f.actor(tb, thSupervisor), p.ID, 0); err != nil {
		tb.Fatalf("approve: %v", err)
	}
	return r, p
}

func (f *fixture) service(tb testing.TB, id string) services.Record {
	tb.Helper()
	l, err := f.svc.List(context.Background(), f.actor(tb, thWorker), f.caseID)
	if err != nil {
		tb.Fatal(err)
	}
	for _, r := range l.Items {
		if r.ID == id {
			return r
		}
	}
	tb.Fatalf("no service %s", id)
	return services.Record{}
}

// TestReferralCycle: the NGO sees only the referral's fields, accepts, reports progress and
// completion; the service follows in the store.
func TestReferralCycle(t *testing.T) {
	f := newFixture(t, true)
	ctx := context.Background()
	r, p := f.refer(t, 0)
	if r.Status != "planned" || r.ProviderKind != "ngo" || r.ProviderAgency != "ngo-th-legal" || r.ReferralID != p.ID {
		t.Fatalf("referred service = %+v", r)
	}
	if got := p.ExpiresAt.Sub(p.CreatedAt); got != 30*24*time.Hour {
		t.Errorf("default expiry %s, want 30 days", got)
	}
	ngo := f.actor(t, thNGO)
	// Another NGO does not see it.
	if _, err := f.env.App.Exchange.Open(ctx, f.actor(t, khNGO), p.ID); !errors.Is(err, authz.ErrNotFound) {
		t.Errorf("other NGO Open = %v, want not found", err)
	}
	opened, err := f.env.App.Exchange.Open(ctx, ngo, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	want := exchange.Payload{"first_name": "Sokha", "age_band": "18-24", "sex": "female", "languages": []any{"km"},
		"service": "legal_aid", "needs": "Lawyer for the labour claim", "contact": "through_referring_agency",
		"urgency": "soon", "consent_scope": "share_ngo"}
	if d := cmp.Diff(want, opened.Payload); d != "" {
		t.Errorf("payload (-want +got):\n%s", d)
	}
	if _, err := f.env.App.Exchange.Accept(ctx, ngo, p.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.env.App.Exchange.Sync(ctx, "TH"); err != nil {
		t.Fatal(err)
	}
	if s := f.service(t, r.ID); s.ReferralStatus != "accepted" || s.Status != "planned" {
		t.Errorf("after accept: %s / %s", s.Status, s.ReferralStatus)
	}
	for _, step := range []struct{ status, outcome, want string }{
		{"in_progress", "", "in_progress"},
		{"completed", "Claim filed with the labour court", "completed"},
	} {
		if _, err := f.env.App.Exchange.Reply(ctx, ngo, p.ID, exchange.Payload{"status": step.status, "outcome": step.outcome}); err != nil {
			t.Fatal(err)
		}
		// List applies the waiting replies (through the exchange) before reading.
		s := f.service(t, r.ID)
		if s.Status != step.want || s.ReferralStatus != step.want {
			t.Errorf("after %s: %s / %s", step.status, s.Status, s.ReferralStatus)
		}
		if step.want == "completed" && (s.Outcome != step.outcome || s.EndDate == nil || s.StartDate == nil) {
			t.Errorf("completed service = %+v", s)
		}
	}
}

// TestDeclinedReferral: the NGO declines; the service stops; posting to it afterwards is a conflict.
func TestDeclinedReferral(t *testing.T) {
	f := newFixture(t, true)
	ctx := context.Background()
	r, p := f.refer(t, 0)
	ngo := f.actor(t, thNGO)
	if _, err := f.env.App.Exchange.Decline(ctx, ngo, p.ID, "No lawyer free this month"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.env.App.Exchange.Reply(ctx, ngo, p.ID, exchange.Payload{"status": "in_progress"}); !errors.Is(err, problem.ErrConflict) {
		t.Errorf("reply after decline = %v, want conflict", err)
	}
	if _, err := f.env.App.Exchange.Accept(ctx, ngo, p.ID); !errors.Is(err, problem.ErrConflict) {
		t.Errorf("accept after decline = %v, want conflict", err)
	}
	s := f.service(t, r.ID)
	if s.Status != "stopped" || s.ReferralStatus != "declined" || s.Outcome != "No lawyer free this month" {
		t.Errorf("declined service = %+v", s)
	}
	if _, _, err := f.svc.Renew(ctx, f.actor(t, thWorker), p.ID, 0); fields(t, err)[""] != "services.error.not_renewable" {
		t.Errorf("renew a declined referral = %v", err)
	}
}

// TestExpiredAndRenewed: an expired referral is not found for the NGO and its payload is gone;
// renewing prepares it again for the same NGO.
func TestExpiredAndRenewed(t *testing.T) {
	f := newFixture(t, true)
	ctx := context.Background()
	r, p := f.refer(t, 5)
	f.env.App.Exchange.WithClock(func() time.Time { return time.Now().Add(6 * 24 * time.Hour) })
	_, err := f.env.App.Exchange.Open(ctx, f.actor(t, thNGO), p.ID)
	f.env.App.Exchange.WithClock(time.Now)
	if !errors.Is(err, authz.ErrNotFound) {
		t.Fatalf("open expired = %v, want not found", err)
	}
	var gone bool
	f.env.App.Hub.Raw(`SELECT sealed_payload IS NULL FROM packets WHERE id = ?`, p.ID).Scan(&gone)
	if !gone {
		t.Error("the expired referral's payload is still in the hub")
	}
	renewed, np, err := f.svc.Renew(ctx, f.actor(t, thWorker), p.ID, 10)
	if err != nil {
		t.Fatal(err)
	}
	if np.ID == p.ID || renewed.ReferralID != np.ID || np.Status != exchange.StatusPendingApproval || np.Recipient != "ngo-th-legal" {
		t.Errorf("renewed = %+v, packet %+v", renewed, np)
	}
	if got := np.ExpiresAt.Sub(np.CreatedAt); got != 10*24*time.Hour {
		t.Errorf("renewed expiry %s, want 10 days", got)
	}
	if renewed.ID != r.ID {
		t.Errorf("renewal made a new service %s, want %s", renewed.ID, r.ID)
	}
}

func TestAgeBand(t *testing.T) {
	now := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	b := time.Date(2010, 3, 2, 0, 0, 0, 0, time.UTC)
	age := func(n int) *int { return &n }
	for _, tt := range []struct {
		birth *time.Time
		est   *int
		want  string
	}{{&b, nil, "12-17"}, {nil, age(17), "12-17"}, {nil, age(18), "18-24"}, {nil, age(64), "60+"}, {nil, nil, "unknown"}, {nil, age(5), "0-11"}} {
		if got := services.AgeBand(tt.birth, tt.est, now); got != tt.want {
			t.Errorf("AgeBand(%v, %v) = %s, want %s", tt.birth, tt.est, got, tt.want)
		}
	}
}

// BenchmarkList is the services page's read: the exchange's view of the referrals, then the rows.
func BenchmarkList(b *testing.B) {
	f := newFixture(b, true)
	ctx := context.Background()
	w := f.actor(b, thWorker)
	for i := 0; i < 5; i++ {
		if _, err := f.svc.Create(ctx, w, f.caseID, services.Input{Kind: "medical", Status: "planned", ProviderKind: "own"}); err != nil {
			b.Fatal(err)
		}
	}
	f.refer(b, 0)
	p := apptest.P95(b, 50, func() error { _, err := f.svc.List(ctx, w, f.caseID); return err })
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := f.svc.List(ctx, w, f.caseID); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(p.Microseconds())/1000, "p95-ms")
}
