package reintegration_test

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
	"homeward/internal/reintegration"
	"homeward/internal/services"
)

func TestMain(m *testing.M) { apptest.Main(m) }

const (
	thWorker  = "caseworker@th-msdhs-sakaeo.demo"
	thAuditor = "auditor@th-msdhs-sakaeo.demo"
	thPolice  = "investigator@th-pct.demo"
	khWorker  = "caseworker@kh-mosvy-poipet.demo"
	thNGO     = "ngo_worker@ngo-th-legal.demo"
)

func setup(tb testing.TB) (*apptest.Env, *reintegration.Service, string) {
	tb.Helper()
	env := apptest.New(tb)
	age := 31
	_, c, err := env.App.Cases.Intake(context.Background(), env.Actor(tb, thWorker), cases.IntakeInput{GivenName: "Vanna",
		Sex: "female", AgeEstimate: &age, Nationality: "KH"})
	if err != nil {
		tb.Fatal(err)
	}
	return env, reintegration.New(env.App.Stores), c.ID
}

// day is today in the region (UTC+7) plus offset days, as the service counts days.
func day(offset int) string {
	return services.Today(time.Now()).AddDate(0, 0, offset).Format(time.DateOnly)
}

func TestPlanGoalsVisits(t *testing.T) {
	env, svc, caseID := setup(t)
	ctx := context.Background()
	w := env.Actor(t, thWorker)
	if _, err := svc.SavePlan(ctx, w, caseID, reintegration.PlanInput{Summary: "Return to Battambang, job training"}); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.SavePlan(ctx, w, caseID, reintegration.PlanInput{Summary: "again"}); !errors.Is(err, problem.ErrConflict) {
		t.Errorf("second first save = %v, want conflict", err)
	}
	g, err := svc.AddGoal(ctx, w, caseID, reintegration.GoalInput{Goal: "Enrol in a sewing course"})
	if err != nil || g.Status != "open" {
		t.Fatalf("goal = %+v, %v", g, err)
	}
	if g, err = svc.UpdateGoal(ctx, w, caseID, g.ID, reintegration.GoalInput{Goal: g.Goal, Status: "achieved", Version: 1}); err != nil || g.Version != 2 {
		t.Fatalf("update goal = %+v, %v", g, err)
	}
	overdue, err := svc.AddVisit(ctx, w, caseID, reintegration.VisitInput{Status: "scheduled", VisitDate: day(0), LocationKind: "home",
		Address: "House 12, Phum Kouk, Battambang"})
	if err != nil {
		t.Fatal(err)
	}
	// Make the first visit overdue: scheduled for yesterday (scheduling in the past is refused).
	st, _ := env.App.Stores.For("TH")
	st.DB.Exec(`UPDATE follow_up_visits SET visit_date = ? WHERE id = ?`, day(-3), overdue.ID)
	next, err := svc.AddVisit(ctx, w, caseID, reintegration.VisitInput{Status: "scheduled", VisitDate: day(14), LocationKind: "relative"})
	if err != nil {
		t.Fatal(err)
	}
	done, err := svc.AddVisit(ctx, w, caseID, reintegration.VisitInput{Status: "done", VisitDate: day(-1), LocationKind: "workplace",
		RiskLevel: "low", Outcome: "Working at the market"})
	if err != nil || done.RiskLevel != "low" {
		t.Fatalf("done visit = %+v, %v", done, err)
	}
	p, err := svc.Get(ctx, w, caseID)
	if err != nil {
		t.Fatal(err)
	}
	if p.Version != 1 || len(p.Goals) != 1 || len(p.Visits) != 3 || p.NextVisit == nil || p.NextVisit.ID != next.ID ||
		len(p.Overdue) != 1 || p.Overdue[0].ID != overdue.ID || p.Overdue[0].Address != "House 12, Phum Kouk, Battambang" {
		t.Errorf("plan = %+v", p)
	}
	// Record the overdue visit as missed, at its version.
	if _, err := svc.UpdateVisit(ctx, w, caseID, overdue.ID, reintegration.VisitInput{Status: "missed", VisitDate: day(-3),
		LocationKind: "home", Version: 2}); !errors.Is(err, problem.ErrConflict) {
		t.Errorf("stale visit update = %v, want conflict", err)
	}
	if _, err := svc.UpdateVisit(ctx, w, caseID, overdue.ID, reintegration.VisitInput{Status: "missed", VisitDate: day(-3),
		LocationKind: "home", Version: 1}); err != nil {
		t.Fatal(err)
	}
	if p, _ = svc.Get(ctx, w, caseID); len(p.Overdue) != 0 {
		t.Errorf("overdue after recording = %+v", p.Overdue)
	}
	// The address is sealed.
	var enc []byte
	st.DB.Raw(`SELECT address_enc FROM follow_up_visits WHERE id = ?`, overdue.ID).Row().Scan(&enc)
	if len(enc) == 0 || bytes.Contains(enc, []byte("Battambang")) {
		t.Errorf("address stored in clear: %q", enc)
	}
}

func TestBadVisits(t *testing.T) {
	env, svc, caseID := setup(t)
	w := env.Actor(t, thWorker)
	tests := []struct {
		name string
		in   reintegration.VisitInput
		want map[string]string
	}{
		{"done in the future", reintegration.VisitInput{Status: "done", VisitDate: day(2), LocationKind: "home", RiskLevel: "low"},
			map[string]string{"visit_date": "reintegration.error.future"}},
		{"missed in the future", reintegration.VisitInput{Status: "missed", VisitDate: day(1), LocationKind: "home"},
			map[string]string{"visit_date": "reintegration.error.future"}},
		{"scheduled in the past", reintegration.VisitInput{Status: "scheduled", VisitDate: day(-1), LocationKind: "home"},
			map[string]string{"visit_date": "reintegration.error.past"}},
		{"done without risk", reintegration.VisitInput{Status: "done", VisitDate: day(0), LocationKind: "home"},
			map[string]string{"risk_level": "form.error.choose"}},
		{"empty", reintegration.VisitInput{}, map[string]string{"status": "form.error.choose", "visit_date": "form.error.required",
			"location_kind": "form.error.choose"}},
		{"exact place kind", reintegration.VisitInput{Status: "scheduled", VisitDate: day(3), LocationKind: "12 Main Street"},
			map[string]string{"location_kind": "form.error.choose"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := svc.AddVisit(context.Background(), w, caseID, tt.in)
			inv, ok := problem.AsInvalid(err)
			if !ok {
				t.Fatalf("err = %v, want invalid", err)
			}
			if d := cmp.Diff(tt.want, inv.Fields); d != "" {
				t.Errorf("fields (-want +got):\n%s", d)
			}
		})
	}
	if _, err := svc.AddGoal(context.Background(), w, caseID, reintegration.GoalInput{Status: "done"}); err == nil {
		t.Error("a goal without text and with an unknown status was saved")
	}
	var n int
	st, _ := env.App.Stores.For("TH")
	st.DB.Raw(`SELECT (SELECT count(*) FROM follow_up_visits WHERE case_id = ?) + (SELECT count(*) FROM reintegration_goals WHERE case_id = ?)`, caseID, caseID).Scan(&n)
	if n != 0 {
		t.Errorf("%d rows saved from bad input", n)
	}
}

func TestRefused(t *testing.T) {
	env, svc, caseID := setup(t)
	ctx := context.Background()
	v, err := svc.AddVisit(ctx, env.Actor(t, thWorker), caseID, reintegration.VisitInput{Status: "scheduled", VisitDate: day(3), LocationKind: "home"})
	if err != nil {
		t.Fatal(err)
	}
	in := reintegration.VisitInput{Status: "missed", VisitDate: day(0), LocationKind: "home", Version: 1}
	for _, email := range []string{khWorker, thPolice, thAuditor, thNGO} {
		t.Run(email, func(t *testing.T) {
			a := env.Actor(t, email)
			if _, err := svc.Get(ctx, a, caseID); !errors.Is(err, authz.ErrNotFound) {
				t.Errorf("Get = %v", err)
			}
			if _, err := svc.SavePlan(ctx, a, caseID, reintegration.PlanInput{Summary: "x"}); !errors.Is(err, authz.ErrNotFound) {
				t.Errorf("SavePlan = %v", err)
			}
			if _, err := svc.AddGoal(ctx, a, caseID, reintegration.GoalInput{Goal: "x"}); !errors.Is(err, authz.ErrNotFound) {
				t.Errorf("AddGoal = %v", err)
			}
			if _, err := svc.UpdateVisit(ctx, a, caseID, v.ID, in); !errors.Is(err, authz.ErrNotFound) {
				t.Errorf("UpdateVisit = %v", err)
			}
		})
	}
}

// BenchmarkGet is the reintegration page's read with a plan, goals and a dozen visits.
func BenchmarkGet(b *testing.B) {
	env, svc, caseID := setup(b)
	ctx := context.Background()
	w := env.Actor(b, thWorker)
	for i := 0; i < 12; i++ {
		if _, err := svc.AddVisit(ctx, w, caseID, reintegration.VisitInput{Status: "done", VisitDate: day(-i), LocationKind: "home",
			RiskLevel: "low", Address: "House 12", Outcome: "Fine"}); err != nil {
			b.Fatal(err)
		}
	}
	p := apptest.P95(b, 50, func() error { _, err := svc.Get(ctx, w, caseID); return err })
	b.ResetTimer()
	for b.Loop() {
		if _, err := svc.Get(ctx, w, caseID); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(p.Microseconds())/1000, "p95-ms")
}
