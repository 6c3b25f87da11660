package reports_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"homeward/internal/apptest"
	"homeward/internal/authz"
	"homeward/internal/problem"
	"homeward/internal/reports"
)

func TestMain(m *testing.M) { apptest.Main(m) }

const (
	thWorker     = "caseworker@th-msdhs-sakaeo.demo"
	thSupervisor = "supervisor@th-msdhs-sakaeo.demo"
	thAnalyst    = "analyst@th-msdhs-sakaeo.demo"
	khWorker     = "caseworker@kh-mosvy-poipet.demo"
	khSupervisor = "supervisor@kh-mosvy-poipet.demo"
	khAnalyst    = "analyst@kh-mosvy-poipet.demo"
	thEmbassy    = "embassy_officer@th-embassy-pnh.demo"
	ngoWorker    = "ngo_worker@ngo-kh-shelter.demo"
)

// TestComputeHandCounted checks every figure of March 2020 against the fixture, counted by hand:
// cases 1-5 and 7 were received before April (case 6 after); see fixture_test.go.
func TestComputeHandCounted(t *testing.T) {
	env := seedStores(t)
	ctx := context.Background()
	th, _ := env.App.Stores.For("TH")
	got, err := reports.Compute(ctx, th.DB, fxFrom, fxTo)
	if err != nil {
		t.Fatal(err)
	}
	want := &reports.Figures{From: fxFrom, To: fxTo,
		ByStage:       map[string]int{"closed": 1, "identification": 1, "screening": 2, "reintegration": 1, "recovery": 1},
		ByNationality: map[string]int{"KH": 3, "MM": 1, "TH": 1, "VN": 1},
		BySex:         map[string]int{"female": 3, "male": 3},
		ByOperation:   map[string]int{"Fixture A": 3, "Fixture B": 1},
		Minors:        2, Adults: 4,
		// received: 2, 3, 4, 7; screened: 1 (into identification 03-02), 2 (screening 03-04 and
		// identification 03-10, once); identified: 1; returned: 1 (handover), 5 (reintegration); closed: 1.
		Flow: reports.Flow{Received: 4, Screened: 2, Identified: 1, Returned: 2, Closed: 1},
		// reception to decision: case 1 24 days, case 7 10 days; p90 = 10 + 0.9 × 14.
		ToDecision: reports.Quantiles{Median: 17, P90: 22.6, N: 2},
		// decision to return: case 1 15 days (03-05 → 03-20), case 5 43 days (02-01 → 03-15).
		DecisionToReturn: reports.Quantiles{Median: 29, P90: 40.2, N: 2},
		// case 3 in screening since 03-06 (26 days); case 2's proposal waits since 03-12 (20 days);
		// case 4 in screening for 7 days only.
		Overdue: 2,
	}
	if d := cmp.Diff(want, got, cmp.Comparer(func(a, b float64) bool { return a-b < 1e-9 && b-a < 1e-9 })); d != "" {
		t.Errorf("TH figures (-want +got):\n%s", d)
	}

	// KH: two Thai nationals; case 1 has been in screening since its reception on 03-10 (22 days).
	kh, _ := env.App.Stores.For("KH")
	gotKH, err := reports.Compute(ctx, kh.DB, fxFrom, fxTo)
	if err != nil {
		t.Fatal(err)
	}
	if gotKH.Flow.Received != 2 || gotKH.ByNationality["TH"] != 2 || len(gotKH.ByNationality) != 1 || gotKH.Overdue != 1 {
		t.Errorf("KH figures mix stores: %+v", gotKH)
	}
}

// TestComputeProgressHandCounted checks operation progress on the fixture operations.
func TestComputeProgressHandCounted(t *testing.T) {
	env := seedStores(t)
	th, _ := env.App.Stores.For("TH")
	ps, err := reports.ComputeProgress(context.Background(), th.DB)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]reports.Progress{}
	for _, p := range ps {
		if strings.HasPrefix(p.Name, "Fixture") {
			p.ID, p.Date = "", time.Time{}
			got[p.Name] = p
		}
	}
	want := map[string]reports.Progress{
		// A: case 1 (closed after handover), 2 (pending, screened), 5 (reintegration, identified earlier).
		"Fixture A": {Name: "Fixture A", Received: 3, Screened: 2, Identified: 2, Repatriated: 2, Pending: 1,
			ByNationality: map[string]int{"KH": 3}},
		// B: case 3 (screening) and 6 (reception).
		"Fixture B": {Name: "Fixture B", Received: 2, Pending: 2, ByNationality: map[string]int{"MM": 1, "KH": 1}},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("progress (-want +got):\n%s", d)
	}
}

// TestDashboardAnalystSuppressed checks the small-cell rule on the published dashboard.
func TestDashboardAnalystSuppressed(t *testing.T) {
	env := seedStores(t)
	svc := reports.New(env.App.Stores)
	ctx := context.Background()
	d, err := svc.Dashboard(ctx, env.Actor(t, thAnalyst), fxFrom, fxTo)
	if err != nil {
		t.Fatal(err)
	}
	if !d.Suppressed || d.Country != "TH" {
		t.Fatalf("analyst dashboard: suppressed=%v country=%s", d.Suppressed, d.Country)
	}
	b, _ := json.Marshal(d)
	for _, rows := range [][]reports.Row{d.ByStage, d.ByNationality, d.BySex, d.ByAge, d.ByOperation, d.Flow} {
		for _, r := range rows {
			if r.Count.N > 0 && r.Count.N < 5 && !r.Count.Hidden {
				t.Errorf("small cell shown: %+v in %s", r, b)
			}
		}
	}
	if d.Cases.N != 6 || d.Cases.String() != "6" || d.ToDecision.Median != nil || d.ToDecision.N.String() != "<5" {
		t.Errorf("cases %v, to decision %+v", d.Cases, d.ToDecision)
	}
	if !strings.Contains(string(b), `"\u003c5"`) {
		t.Errorf("no <5 in JSON: %s", b)
	}

	sup, err := svc.Dashboard(ctx, env.Actor(t, thSupervisor), fxFrom, fxTo)
	if err != nil {
		t.Fatal(err)
	}
	if sup.Suppressed || sup.Flow[0].Count.String() != "4" || sup.ToDecision.Median == nil || *sup.ToDecision.Median != 17 {
		t.Errorf("supervisor dashboard: %+v", sup)
	}
	var n int
	th, _ := env.App.Stores.For("TH")
	th.DB.Raw(`SELECT count(*) FROM audit_log WHERE action = 'report.dashboard'`).Scan(&n)
	if n != 2 {
		t.Errorf("audit rows = %d, want 2", n)
	}
}

// TestSuppressParts checks complementary suppression inside one breakdown.
func TestSuppressParts(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   map[string]int
		want map[string]string
	}{
		{"none small", map[string]int{"a": 10, "b": 7}, map[string]string{"a": "10", "b": "7"}},
		{"one small hides the next as x", map[string]int{"a": 10, "b": 7, "c": 2}, map[string]string{"a": "10", "b": "x", "c": "<5"}},
		{"two small", map[string]int{"a": 10, "b": 3, "c": 2}, map[string]string{"a": "10", "b": "<5", "c": "<5"}},
		{"zero shown", map[string]int{"a": 10, "b": 0, "c": 6}, map[string]string{"a": "10", "b": "0", "c": "6"}},
		{"one small alone", map[string]int{"a": 3, "b": 0}, map[string]string{"a": "<5", "b": "0"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := map[string]string{}
			for _, r := range reports.PublishBreakdown(tc.in, true) {
				got[r.Key] = r.Count.String()
			}
			if d := cmp.Diff(tc.want, got); d != "" {
				t.Error(d)
			}
		})
	}
	for n, want := range map[int]string{0: "0", 1: "<5", 4: "<5", 5: "5", 120: "120"} {
		if got := reports.Display(n); got != want {
			t.Errorf("Display(%d) = %q, want %q", n, got, want)
		}
	}
}

// TestDashboardRefused checks who may not see a dashboard, and a bad period.
func TestDashboardRefused(t *testing.T) {
	env := apptest.New(t)
	svc := reports.New(env.App.Stores)
	ctx := context.Background()
	for _, who := range []string{thWorker, thEmbassy, ngoWorker} {
		if _, err := svc.Dashboard(ctx, env.Actor(t, who), fxFrom, fxTo); !errors.Is(err, authz.ErrNotFound) {
			t.Errorf("%s: dashboard err = %v, want not found", who, err)
		}
		if _, err := svc.Operations(ctx, env.Actor(t, who)); !errors.Is(err, authz.ErrNotFound) {
			t.Errorf("%s: operations err = %v, want not found", who, err)
		}
	}
	a := env.Actor(t, khAnalyst)
	for _, p := range [][2]time.Time{{fxTo, fxFrom}, {fxFrom, fxFrom}, {fxFrom.AddDate(-6, 0, 0), fxTo}} {
		if _, err := svc.Dashboard(ctx, a, p[0], p[1]); func() bool { _, ok := problem.AsInvalid(err); return !ok }() {
			t.Errorf("period %v: err = %v, want invalid", p, err)
		}
	}
}
