package dashboard_test

import (
	"context"
	"testing"
	"time"

	"homeward/internal/apptest"
	"homeward/internal/cases"
	"homeward/internal/closure"
	"homeward/internal/consent"
	"homeward/internal/dashboard"
	"homeward/internal/reintegration"
	"homeward/internal/services"
	"homeward/internal/testdb"
)

func TestMain(m *testing.M) { apptest.Main(m) }

const (
	thWorker     = "caseworker@th-msdhs-sakaeo.demo"
	thSupervisor = "supervisor@th-msdhs-sakaeo.demo"
	thAnalyst    = "analyst@th-msdhs-sakaeo.demo"
	thNGO        = "ngo_worker@ngo-th-legal.demo"
	khWorker     = "caseworker@kh-mosvy-poipet.demo"
)

// refs are the cases of a task list (none when the list is absent).
func refs(tl *dashboard.TaskList) map[string]bool {
	out := map[string]bool{}
	if tl == nil {
		return out
	}
	for _, t := range tl.Items {
		out[t.CaseID] = true
	}
	return out
}

func TestPanels(t *testing.T) {
	env := apptest.New(t)
	ctx := context.Background()
	svc := dashboard.New(env.App.Hub, env.App.Stores, nil)
	w, sup := env.Actor(t, thWorker), env.Actor(t, thSupervisor)
	age := 22
	_, c, err := env.App.Cases.Intake(ctx, w, cases.IntakeInput{GivenName: "Bopha", Sex: "female", AgeEstimate: &age, Nationality: "KH"})
	if err != nil {
		t.Fatal(err)
	}
	if c, err = env.App.Cases.Transition(ctx, w, c.ID, cases.TransitionInput{To: cases.StageScreening, Version: c.Version}); err != nil {
		t.Fatal(err)
	}
	// A visit due tomorrow; a closure request; a referral waiting for approval.
	if _, err := reintegration.New(env.App.Stores).AddVisit(ctx, w, c.ID, reintegration.VisitInput{Status: "scheduled",
		VisitDate: services.Today(time.Now()).AddDate(0, 0, 1).Format(time.DateOnly), LocationKind: "home"}); err != nil {
		t.Fatal(err)
	}
	if _, err := closure.New(env.App.Stores, env.App.Cases, env.App.Exchange).RequestClosure(ctx, w, c.ID,
		closure.RequestInput{Reason: "declined_help"}); err != nil {
		t.Fatal(err)
	}
	if _, err := env.App.Consent.Record(ctx, w, c.ID, consent.Input{Purpose: consent.PurposeShareNGO, Answer: consent.AnswerGiven,
		AnsweredOn: time.Now().Format(time.DateOnly), Method: "spoken", Language: "km"}); err != nil {
		t.Fatal(err)
	}
	_, p, err := services.New(env.App.Stores, env.App.Directory, env.App.Exchange).Refer(ctx, w, c.ID,
		services.ReferralInput{Recipient: "ngo-th-legal", Service: "shelter", Needs: "A bed"})
	if err != nil {
		t.Fatal(err)
	}

	d, err := svc.For(ctx, w)
	if err != nil {
		t.Fatal(err)
	}
	if d.Caseworker == nil || d.Supervisor != nil || d.Inbox != nil {
		t.Fatalf("caseworker panels = %+v", d)
	}
	total := 0
	for _, s := range d.Caseworker.ByStage {
		total += s.Total
	}
	var want int
	st, _ := env.App.Stores.For("TH")
	st.DB.Raw(`SELECT count(*) FROM cases WHERE owner_agency_id = ? OR id IN (SELECT case_id FROM case_team WHERE agency_id = ?)`, w.AgencyID, w.AgencyID).Scan(&want)
	if total != want || len(d.Caseworker.ByStage) != len(cases.Stages) {
		t.Errorf("cases by stage add up to %d over %d stages, want %d over %d", total, len(d.Caseworker.ByStage), want, len(cases.Stages))
	}
	if !refs(&d.Caseworker.Screenings)[c.ID] || !refs(&d.Caseworker.Visits)[c.ID] {
		t.Errorf("the new case is missing from screenings %+v or visits %+v", d.Caseworker.Screenings, d.Caseworker.Visits)
	}
	if d.Caseworker.Screenings.Items[0].Name == "" {
		t.Error("a caseworker sees no names")
	}

	d, err = svc.For(ctx, sup)
	if err != nil {
		t.Fatal(err)
	}
	if d.Supervisor == nil || !refs(d.Supervisor.Closures)[c.ID] || d.Inbox == nil {
		t.Fatalf("supervisor panels = %+v", d.Supervisor)
	}
	found := false
	for _, it := range d.Supervisor.Packets.Items {
		found = found || (it.ItemID == p.ID && it.CaseID == c.ID)
	}
	if !found {
		t.Errorf("the referral waiting for approval is missing: %+v", d.Supervisor.Packets)
	}
	if d.Supervisor.Decisions.Total == 0 {
		t.Error("the demo's proposals waiting for approval are missing")
	}

	// The NGO sees its inbox by status once the referral is sent; nothing of a store. (The demo's
	// own referral to the NGO, accepted, is counted before.)
	sentOf := func(in *dashboard.Inbox) int {
		for _, c := range in.ByStatus {
			if c.Status == "sent" {
				return c.Count
			}
		}
		return 0
	}
	before, err := svc.For(ctx, env.Actor(t, thNGO))
	if err != nil || before.Inbox == nil {
		t.Fatalf("NGO dashboard before = %+v, %v", before, err)
	}
	if _, err := env.App.Exchange.Approve(ctx, sup, p.ID, 0); err != nil {
		t.Fatal(err)
	}
	d, err = svc.For(ctx, env.Actor(t, thNGO))
	if err != nil || d.Caseworker != nil || d.Supervisor != nil || d.Inbox == nil || d.Inbox.Total != before.Inbox.Total+1 ||
		sentOf(d.Inbox) != sentOf(before.Inbox)+1 {
		t.Errorf("NGO dashboard = %+v, %v (before %+v)", d, err, before.Inbox)
	}
	// An analyst and the other store see none of it.
	if d, err := svc.For(ctx, env.Actor(t, thAnalyst)); err != nil || d.Caseworker != nil || d.Supervisor != nil || d.Inbox != nil {
		t.Errorf("analyst dashboard = %+v, %v", d, err)
	}
	d, err = svc.For(ctx, env.Actor(t, khWorker))
	if err != nil || refs(&d.Caseworker.Screenings)[c.ID] || refs(&d.Caseworker.Visits)[c.ID] {
		t.Errorf("KH caseworker sees the TH case: %+v, %v", d, err)
	}
}

// benchCases is the size of the agency the caseworker dashboard benchmark runs over.
const benchCases = 5000

// benchSeed inserts $1 persons and cases of agency $2 spread over the stages, a third assigned to
// the user $3, with scheduled visits and returned decisions for some.
var benchSeed = []string{
	`INSERT INTO persons (id, given_name, family_name, sex, age_estimate, nationality, created_at, updated_at)
SELECT md5('db-p-' || i)::uuid, 'Bench', 'Person ' || i, (ARRAY['female','male'])[1 + i % 2], 18 + i % 40, 'KH', now(), now()
FROM generate_series(1, $1::int) i WHERE $2::uuid IS NOT NULL AND $3::uuid IS NOT NULL`,
	`INSERT INTO cases (id, reference, person_id, owner_agency_id, assigned_user_id, stage, created_at, updated_at)
SELECT md5('db-c-' || i)::uuid, 'DB-' || i, md5('db-p-' || i)::uuid, $2::uuid, CASE WHEN i % 3 = 0 THEN $3::uuid END,
  (ARRAY['reception','screening','identification','recovery','return_preparation','handover','reintegration','closed'])[1 + i % 8],
  now() - i * interval '1 minute', now() - i * interval '1 minute'
FROM generate_series(1, $1::int) i`,
	`INSERT INTO follow_up_visits (id, case_id, status, visit_date, location_kind, created_by, created_at, updated_at)
SELECT md5('db-v-' || i)::uuid, md5('db-c-' || i)::uuid, 'scheduled', current_date + (i % 20) - 10, 'home', $3::uuid, now(), now()
FROM generate_series(1, $1::int) i WHERE i % 8 = 6 AND $2::uuid IS NOT NULL`,
	`INSERT INTO identification_decisions (id, case_id, decision, status, proposed_by, proposed_at, decided_by, decided_at, comment)
SELECT md5('db-d-' || i)::uuid, md5('db-c-' || i)::uuid, 'identified', 'returned', $3::uuid, now() - interval '2 days', md5('db-sup')::uuid, now() - interval '1 day', 'More detail'
FROM generate_series(1, $1::int) i WHERE i % 8 = 2 AND i % 5 = 0 AND $2::uuid IS NOT NULL`,
}

// BenchmarkCaseworkerDashboard computes the caseworker's dashboard (cases by stage, every task
// list, the audit row) over an agency of 5,000 more cases; it reports ns/op and p95-ms of 100 calls.
func BenchmarkCaseworkerDashboard(b *testing.B) {
	env := apptest.New(b)
	ctx := context.Background()
	w := env.Actor(b, thWorker)
	args := []any{benchCases, w.AgencyID, w.UserID}
	for _, q := range benchSeed {
		testdb.Exec(b, env.Databases["TH"], q, args...)
	}
	testdb.Exec(b, env.Databases["TH"], `VACUUM ANALYZE`)
	svc := dashboard.New(env.App.Hub, env.App.Stores, nil)
	call := func() error { _, err := svc.For(ctx, w); return err }
	p := apptest.P95(b, 100, call)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if err := call(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(p.Microseconds())/1000, "p95-ms")
}
