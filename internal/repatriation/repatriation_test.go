package repatriation_test

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
	"homeward/internal/problem"
	"homeward/internal/repatriation"
)

func TestMain(m *testing.M) { apptest.Main(m) }

const (
	khWorker     = "caseworker@kh-mosvy-poipet.demo"
	khSupervisor = "supervisor@kh-mosvy-poipet.demo"
	khAnalyst    = "analyst@kh-mosvy-poipet.demo"
	khAuditor    = "auditor@kh-mosvy-poipet.demo"
	khAdmin      = "country_admin@kh-mosvy-poipet.demo"
	khPolice     = "investigator@kh-cnp-aht.demo"
	khPoliceSup  = "supervisor@kh-cnp-aht.demo"
	thWorker     = "caseworker@th-msdhs-sakaeo.demo"
	thSupervisor = "supervisor@th-msdhs-sakaeo.demo"
	thEmbassy    = "embassy_officer@th-embassy-pnh.demo"
	idEmbassy    = "embassy_officer@id-embassy-pnh.demo"
	ngoWorker    = "ngo_worker@ngo-kh-shelter.demo"
)

// day0 is the fixed "today" of the tests: 10:00 in Phnom Penh.
var day0 = time.Date(2026, 3, 2, 3, 0, 0, 0, time.UTC)

// clock is a movable test clock.
type clock struct{ t time.Time }

func (c *clock) now() time.Time   { return c.t }
func (c *clock) advance(days int) { c.t = c.t.AddDate(0, 0, days) }
func (c *clock) date(days int) string {
	return c.t.AddDate(0, 0, days).In(repatriation.Zone).Format(time.DateOnly)
}
func newClock(env *apptest.Env) *clock {
	c := &clock{t: day0}
	env.App.Repatriation.WithClock(c.now)
	return c
}

// returnCase registers a person of a nationality as the KH welfare caseworker and moves the case to
// return preparation.
func returnCase(tb testing.TB, env *apptest.Env, given, nationality string) *cases.Case {
	tb.Helper()
	age := 26
	_, c, err := env.App.Cases.Intake(context.Background(), env.Actor(tb, khWorker), cases.IntakeInput{
		GivenName: given, FamilyName: "Test", Sex: "female", AgeEstimate: &age, Nationality: nationality,
		Languages: []string{"th"}})
	if err != nil {
		tb.Fatalf("intake: %v", err)
	}
	setStage(tb, env, c.ID, "return_preparation")
	return c
}

func setStage(tb testing.TB, env *apptest.Env, caseID, stage string) {
	tb.Helper()
	st, _ := env.App.Stores.For("KH")
	if err := st.DB.Exec(`UPDATE cases SET stage = ? WHERE id = ?`, stage, caseID).Error; err != nil {
		tb.Fatal(err)
	}
}

// complete is a section with every step done.
func complete(c *clock, version int) repatriation.Input {
	return repatriation.Input{NationalityStatus: "verified", NationalityRequestedOn: c.date(-3), NationalityDecidedOn: c.date(0),
		TravelDocumentType: "emergency_travel_document", TravelDocumentStatus: "issued", TravelDocumentNumber: "ETD-0042-2569",
		TravelDocumentIssuedOn: c.date(0), TravelDocumentValidUntil: c.date(90), FamilyTracingStatus: "completed",
		RiskLevel: "low", RiskAssessedBy: "Sok Dara", RiskAssessedOn: c.date(0),
		FamilyLocation: "Mother's house behind Wat Nong Khai, Sa Kaeo", Route: "poipet_aranyaprathet",
		EscortName: "Chan Sophea", EscortAgency: "MoSVY Poipet", PlannedDate: c.date(10), Version: version}
}

func TestSaveAndGet(t *testing.T) {
	env := apptest.New(t)
	ctx := context.Background()
	clk := newClock(env)
	svc := env.App.Repatriation
	worker := env.Actor(t, khWorker)
	c := returnCase(t, env, "Malee", "TH")

	empty, err := svc.Get(ctx, worker, c.ID)
	if err != nil || empty.Exists() || len(empty.Steps) != len(repatriation.Defaults) || empty.Head.Nationality != "TH" {
		t.Fatalf("Get before any record = %+v, %v", empty, err)
	}
	created, err := svc.Save(ctx, worker, c.ID, repatriation.Input{NationalityStatus: "requested"})
	if err != nil || created.Version != 1 || created.NationalityRequestedOn != clk.date(0) || created.OpenedOn != clk.date(0) {
		t.Fatalf("create = %+v, %v", created, err)
	}
	if _, err := svc.Save(ctx, worker, c.ID, repatriation.Input{}); !errors.Is(err, problem.ErrConflict) {
		t.Fatalf("second create = %v, want conflict", err)
	}
	updated, err := svc.Save(ctx, worker, c.ID, complete(clk, 1))
	if err != nil || updated.Version != 2 {
		t.Fatalf("update = %+v, %v", updated, err)
	}
	for _, s := range updated.Steps {
		if !s.Done || s.Overdue {
			t.Errorf("step %s of a complete section: %+v", s.Step, s)
		}
	}
	if _, err := svc.Save(ctx, worker, c.ID, complete(clk, 1)); !errors.Is(err, problem.ErrConflict) {
		t.Fatalf("stale update = %v, want conflict", err)
	}
	got, err := svc.Get(ctx, worker, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(updated, got); d != "" {
		t.Errorf("Get differs from the saved record (-saved +got):\n%s", d)
	}
	if got.TravelDocumentNumber != "ETD-0042-2569" || got.FamilyLocation == "" {
		t.Errorf("sealed fields not opened: %+v", got)
	}

	// The number and the family location are sealed at rest.
	st, _ := env.App.Stores.For("KH")
	var enc struct{ Number, Location []byte }
	st.DB.Raw(`SELECT travel_document_number_enc AS number, family_location_enc AS location FROM repatriations WHERE case_id = ?`, c.ID).Scan(&enc)
	if len(enc.Number) == 0 || bytes.Contains(enc.Number, []byte("ETD-0042")) || bytes.Contains(enc.Location, []byte("Wat Nong Khai")) {
		t.Errorf("sealed fields stored in clear: %q %q", enc.Number, enc.Location)
	}
	// Every read and write is audited.
	var actions []string
	st.DB.Raw(`SELECT action FROM audit_log WHERE entity = 'case' AND entity_id = ? AND action LIKE 'repatriation.%' ORDER BY id`, c.ID).Scan(&actions)
	want := []string{"repatriation.read", "repatriation.create", "repatriation.update", "repatriation.read"}
	if d := cmp.Diff(want, actions); d != "" {
		t.Errorf("audit (-want +got):\n%s", d)
	}
	// The supervisor inherits the section.
	if _, err := svc.Save(ctx, env.Actor(t, khSupervisor), c.ID, complete(clk, 2)); err != nil {
		t.Errorf("supervisor save: %v", err)
	}
}

func TestBadInput(t *testing.T) {
	env := apptest.New(t)
	clk := newClock(env)
	svc := env.App.Repatriation
	c := returnCase(t, env, "Somchai", "TH")
	with := func(f func(in *repatriation.Input)) repatriation.Input { in := complete(clk, 0); f(&in); return in }
	tests := []struct {
		name   string
		in     repatriation.Input
		fields map[string]string
	}{
		{"unknown route", with(func(in *repatriation.Input) { in.Route = "aranyaprathet_bridge" }), map[string]string{"route": "form.error.choose"}},
		{"unknown choices", with(func(in *repatriation.Input) {
			in.NationalityStatus, in.TravelDocumentType, in.TravelDocumentStatus = "maybe", "visa", "lost"
			in.FamilyTracingStatus, in.RiskLevel = "done", "extreme"
		}), map[string]string{"nationality_status": "form.error.choose", "travel_document_type": "form.error.choose",
			"travel_document_status": "form.error.choose", "family_tracing_status": "form.error.choose", "risk_level": "form.error.choose"}},
		{"valid until before issue", with(func(in *repatriation.Input) { in.TravelDocumentValidUntil = clk.date(-1) }),
			map[string]string{"travel_document_valid_until": "repatriation.error.valid_until_before_issue"}},
		{"planned date in the past", with(func(in *repatriation.Input) { in.PlannedDate = clk.date(-2) }),
			map[string]string{"planned_date": "repatriation.error.planned_past"}},
		{"deadline not a date", with(func(in *repatriation.Input) { in.Deadlines = map[string]string{"route": "next week"} }),
			map[string]string{"deadline_route": "form.error.date"}},
		{"deadline far away", with(func(in *repatriation.Input) { in.Deadlines = map[string]string{"escort": "2035-01-01"} }),
			map[string]string{"deadline_escort": "form.error.date_range"}},
		{"deadline of no step", with(func(in *repatriation.Input) { in.Deadlines = map[string]string{"handover": clk.date(3)} }),
			map[string]string{"deadline_handover": "form.error.invalid"}},
		{"dates not dates", with(func(in *repatriation.Input) {
			in.NationalityDecidedOn, in.TravelDocumentValidUntil = "02/03/2026", "soon"
		}),
			map[string]string{"nationality_decided_on": "form.error.date", "travel_document_valid_until": "form.error.date"}},
		{"decided in the future", with(func(in *repatriation.Input) { in.NationalityDecidedOn = clk.date(5) }),
			map[string]string{"nationality_decided_on": "form.error.date_range"}},
		{"decided before requested", with(func(in *repatriation.Input) { in.NationalityDecidedOn = clk.date(-5) }),
			map[string]string{"nationality_decided_on": "repatriation.error.before_request"}},
		{"issued without a type", with(func(in *repatriation.Input) { in.TravelDocumentType = "" }),
			map[string]string{"travel_document_type": "form.error.required"}},
		{"risk without assessor", with(func(in *repatriation.Input) { in.RiskAssessedBy = "" }),
			map[string]string{"risk_assessed_by": "form.error.required"}},
		{"flight without details", with(func(in *repatriation.Input) { in.Route = "flight" }),
			map[string]string{"flight_details": "form.error.required"}},
		{"number too long", with(func(in *repatriation.Input) { in.TravelDocumentNumber = string(bytes.Repeat([]byte("9"), 61)) }),
			map[string]string{"travel_document_number": "form.error.too_long"}},
		{"not UTF-8", with(func(in *repatriation.Input) { in.EscortName = "a\xffb" }), map[string]string{"escort_name": "form.error.invalid"}},
		{"negative version", with(func(in *repatriation.Input) { in.Version = -1 }), map[string]string{"version": "form.error.invalid"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := svc.Save(context.Background(), env.Actor(t, khWorker), c.ID, tt.in)
			inv, ok := problem.AsInvalid(err)
			if !ok {
				t.Fatalf("err = %v, want invalid", err)
			}
			if d := cmp.Diff(tt.fields, inv.Fields); d != "" {
				t.Errorf("fields (-want +got):\n%s", d)
			}
		})
	}
	// Nothing was saved.
	if r, err := svc.Get(context.Background(), env.Actor(t, khWorker), c.ID); err != nil || r.Exists() {
		t.Errorf("after refused input: %+v, %v", r, err)
	}
	// A planned date already stored may stay when it has passed.
	if _, err := svc.Save(context.Background(), env.Actor(t, khWorker), c.ID, complete(clk, 0)); err != nil {
		t.Fatal(err)
	}
	clk.advance(20)
	kept := complete(&clock{t: day0}, 1)
	if _, err := svc.Save(context.Background(), env.Actor(t, khWorker), c.ID, kept); err != nil {
		t.Errorf("keeping a passed planned date: %v", err)
	}
}

// TestRefused: another store, another agency, roles without the section: not found.
func TestRefused(t *testing.T) {
	env := apptest.New(t)
	ctx := context.Background()
	clk := newClock(env)
	svc := env.App.Repatriation
	c := returnCase(t, env, "Napat", "TH")
	if _, err := svc.Save(ctx, env.Actor(t, khWorker), c.ID, complete(clk, 0)); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, email, caseID string
	}{
		{"TH caseworker, KH case", thWorker, c.ID},
		{"TH supervisor, KH case", thSupervisor, c.ID},
		{"KH police supervisor, case of another agency", khPoliceSup, c.ID},
		{"KH investigator", khPolice, c.ID},
		{"analyst", khAnalyst, c.ID},
		{"auditor", khAuditor, c.ID},
		{"country admin", khAdmin, c.ID},
		{"embassy", thEmbassy, c.ID},
		{"NGO", ngoWorker, c.ID},
		{"caseworker, no such case", khWorker, "00000000-0000-7000-8000-000000000000"},
		{"caseworker, not an id", khWorker, "not-an-id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := env.Actor(t, tt.email)
			if _, err := svc.Get(ctx, a, tt.caseID); !errors.Is(err, authz.ErrNotFound) {
				t.Errorf("Get = %v, want not found", err)
			}
			if _, err := svc.Save(ctx, a, tt.caseID, complete(clk, 1)); !errors.Is(err, authz.ErrNotFound) {
				t.Errorf("Save = %v, want not found", err)
			}
			if _, err := svc.RequestEmbassy(ctx, a, tt.caseID, repatriation.RequestInput{Items: []string{"travel_document"}}); !errors.Is(err, authz.ErrNotFound) {
				t.Errorf("RequestEmbassy = %v, want not found", err)
			}
		})
	}
	// Bad input on an unseen case is still not found.
	if _, err := svc.Save(ctx, env.Actor(t, thWorker), c.ID, repatriation.Input{Route: "nowhere"}); !errors.Is(err, authz.ErrNotFound) {
		t.Errorf("bad input on unseen case = %v, want not found", err)
	}
	// Overdue is for supervisors.
	for _, email := range []string{khWorker, khAnalyst, thEmbassy, ngoWorker, khPolice} {
		if _, err := svc.Overdue(ctx, env.Actor(t, email)); !errors.Is(err, authz.ErrNotFound) {
			t.Errorf("%s: Overdue = %v, want not found", email, err)
		}
	}
}

func TestDeadlinesAndOverdue(t *testing.T) {
	env := apptest.New(t)
	ctx := context.Background()
	clk := newClock(env)
	svc := env.App.Repatriation
	worker, sup := env.Actor(t, khWorker), env.Actor(t, khSupervisor)
	a := returnCase(t, env, "Ploy", "TH")
	b := returnCase(t, env, "Budi", "ID")

	// a: nationality requested three days ago, a deadline of its own for the route.
	in := repatriation.Input{NationalityStatus: "requested", NationalityRequestedOn: clk.date(-3),
		Deadlines: map[string]string{"route": clk.date(5)}}
	r, err := svc.Save(ctx, worker, a.ID, in)
	if err != nil {
		t.Fatal(err)
	}
	want := map[repatriation.Step]string{"nationality": clk.date(11), "travel_document": clk.date(30), "family_tracing": clk.date(21),
		"route": clk.date(5), "escort": clk.date(30), "planned_date": clk.date(45)}
	for _, s := range r.Steps {
		if s.DueOn != want[s.Step] || s.Overdue || s.Done {
			t.Errorf("step %s: %+v, want due %s", s.Step, s, want[s.Step])
		}
	}
	if !r.Step(repatriation.StepRoute).Overridden || r.Step(repatriation.StepNationality).Overridden {
		t.Errorf("overridden flags wrong: %+v", r.Steps)
	}
	// b: every step done but the escort.
	done := complete(clk, 0)
	done.EscortName, done.EscortAgency = "", ""
	if _, err := svc.Save(ctx, worker, b.ID, done); err != nil {
		t.Fatal(err)
	}
	// d: a police case with the welfare agency on its team, escort due in two days.
	age := 40
	_, d, err := env.App.Cases.Intake(ctx, env.Actor(t, khPolice), cases.IntakeInput{GivenName: "Teamcase", Sex: "male",
		AgeEstimate: &age, Nationality: "TH"})
	if err != nil {
		t.Fatal(err)
	}
	setStage(t, env, d.ID, "recovery")
	st, _ := env.App.Stores.For("KH")
	if err := st.DB.Exec(`INSERT INTO case_team (case_id, agency_id) VALUES (?, ?)`, d.ID, worker.AgencyID).Error; err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Save(ctx, worker, d.ID, repatriation.Input{Deadlines: map[string]string{"escort": clk.date(2)}}); err != nil {
		t.Fatal(err)
	}
	if got, err := svc.Overdue(ctx, sup); err != nil || containsCase(got, a.ID) || containsCase(got, b.ID) || containsCase(got, d.ID) {
		t.Fatalf("Overdue on day 0 = %+v, %v", got, err)
	}

	clk.advance(12) // a: route 7 days late, nationality 1 day late
	got, err := svc.Overdue(ctx, sup)
	if err != nil {
		t.Fatal(err)
	}
	mine := only(got, a.ID, b.ID)
	wantOverdue := []repatriation.OverdueStep{
		{CaseID: a.ID, CaseRef: a.Reference, Step: "route", DueOn: want["route"], DaysOverdue: 7},
		{CaseID: a.ID, CaseRef: a.Reference, Step: "nationality", DueOn: want["nationality"], DaysOverdue: 1},
	}
	if d := cmp.Diff(wantOverdue, mine); d != "" {
		t.Errorf("Overdue on day 12 (-want +got):\n%s", d)
	}
	if teamed := only(got, d.ID); len(teamed) != 1 || teamed[0].Step != "escort" || teamed[0].DaysOverdue != 10 {
		t.Errorf("the team case's overdue steps: %+v", teamed)
	}
	if first, err := svc.OverdueFirst(ctx, sup, 1); err != nil || len(first) != 1 || first[0] != got[0] {
		t.Errorf("OverdueFirst(1) = %+v, %v; Overdue starts %+v", first, err, got[0])
	}
	page, err := svc.Get(ctx, worker, a.ID)
	if err != nil || !page.Step(repatriation.StepRoute).Overdue || page.Step(repatriation.StepRoute).DaysOverdue != 7 {
		t.Errorf("Get on day 12: %+v, %v", page.Steps, err)
	}

	clk.advance(20) // day 32: b's escort (30 days) is late too; a moves on to handover and leaves the list
	setStage(t, env, a.ID, "handover")
	got, err = svc.Overdue(ctx, sup)
	if err != nil {
		t.Fatal(err)
	}
	wantOverdue = []repatriation.OverdueStep{{CaseID: b.ID, CaseRef: b.Reference, Step: "escort", DueOn: clock0(30), DaysOverdue: 2}}
	if d := cmp.Diff(wantOverdue, only(got, a.ID, b.ID)); d != "" {
		t.Errorf("Overdue on day 32 (-want +got):\n%s", d)
	}
	// Another agency's supervisor, and the other store's, see none of these.
	other, err := svc.Overdue(ctx, env.Actor(t, thSupervisor))
	if err != nil || len(only(other, a.ID, b.ID)) != 0 {
		t.Errorf("%s: Overdue = %+v, %v", thSupervisor, other, err)
	}
	// A police supervisor has no repatriation section at all.
	if other, err := svc.Overdue(ctx, env.Actor(t, khPoliceSup)); !errors.Is(err, authz.ErrNotFound) {
		t.Errorf("%s: Overdue = %+v, %v, want not found", khPoliceSup, other, err)
	}
	// The read is audited.
	var n int
	st.DB.Raw(`SELECT count(*) FROM audit_log WHERE action = 'repatriation.overdue.read' AND actor_user_id = ?`, sup.UserID).Scan(&n)
	if n != 4 {
		t.Errorf("overdue reads audited: %d, want 4", n)
	}
}

func clock0(days int) string { return (&clock{t: day0}).date(days) }

func containsCase(steps []repatriation.OverdueStep, id string) bool { return len(only(steps, id)) > 0 }

// only keeps the overdue steps of some cases (the demo data has its own).
func only(steps []repatriation.OverdueStep, ids ...string) []repatriation.OverdueStep {
	var out []repatriation.OverdueStep
	for _, s := range steps {
		for _, id := range ids {
			if s.CaseID == id {
				out = append(out, s)
			}
		}
	}
	return out
}
