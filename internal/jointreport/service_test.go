package jointreport_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"homeward/internal/apptest"
	"homeward/internal/authz"
	"homeward/internal/jointreport"
	"homeward/internal/problem"
	"homeward/internal/reports"
)

func TestMain(m *testing.M) { apptest.Main(m) }

const (
	thAnalyst    = "analyst@th-msdhs-sakaeo.demo"
	khAnalyst    = "analyst@kh-mosvy-poipet.demo"
	thSupervisor = "supervisor@th-msdhs-sakaeo.demo"
	khSupervisor = "supervisor@kh-mosvy-poipet.demo"
)

// period is a year around now: the demo data was created at seed time.
func period() (time.Time, time.Time) {
	now := time.Now()
	return now.AddDate(-1, 0, 0), now.Add(time.Hour)
}

func TestWhoMayOpenTheJointReport(t *testing.T) {
	env := apptest.New(t)
	svc := jointreport.New(env.App.Stores)
	from, to := period()
	tests := []struct {
		email string
		ok    bool
	}{
		{thAnalyst, true}, {khAnalyst, true}, {thSupervisor, true}, {khSupervisor, true},
		{"caseworker@th-msdhs-sakaeo.demo", false}, {"caseworker@kh-mosvy-poipet.demo", false},
		{"auditor@th-msdhs-sakaeo.demo", false}, {"country_admin@kh-mosvy-poipet.demo", false},
		{"investigator@th-pct.demo", false},
		{"embassy_officer@th-embassy-pnh.demo", false}, {"ngo_worker@ngo-kh-shelter.demo", false},
	}
	for _, tt := range tests {
		t.Run(tt.email, func(t *testing.T) {
			r, err := svc.Report(context.Background(), env.Actor(t, tt.email), from, to)
			if tt.ok && (err != nil || r == nil) {
				t.Fatalf("Report = %v, %v", r, err)
			}
			if !tt.ok && !errors.Is(err, authz.ErrNotFound) {
				t.Fatalf("Report = %v, want ErrNotFound", err)
			}
		})
	}
}

// TestJointReportMatchesEachStore checks the report against each store's own figures: every
// shown cell is the store's count, the Combined column is the sum, and no count under 5 is shown.
func TestJointReportMatchesEachStore(t *testing.T) {
	env := apptest.New(t)
	from, to := period()
	r, err := jointreport.New(env.App.Stores).Report(context.Background(), env.Actor(t, thAnalyst), from, to)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Countries) != 2 || r.Countries[0] != "KH" || r.Countries[1] != "TH" {
		t.Fatalf("countries %v", r.Countries)
	}
	figs := map[string]*reports.Figures{}
	for _, cc := range r.Countries {
		st, _ := env.App.Stores.For(cc)
		if figs[cc], err = reports.Compute(context.Background(), st.DB, from, to); err != nil {
			t.Fatal(err)
		}
	}
	var stage *jointreport.Table
	for i := range r.Tables {
		if r.Tables[i].Key == jointreport.TableStage {
			stage = &r.Tables[i]
		}
	}
	if stage == nil || len(stage.Rows) == 0 {
		t.Fatalf("no stage table: %+v", r.Tables)
	}
	for i, row := range stage.Rows {
		sum := 0
		for c, cc := range r.Countries {
			cell := stage.Grid.Inner[i][c]
			if cell.Value != figs[cc].ByStage[row] {
				t.Errorf("%s %s = %d, store says %d", cc, row, cell.Value, figs[cc].ByStage[row])
			}
			sum += cell.Value
		}
		if stage.Grid.RowTotal[i].Value != sum {
			t.Errorf("combined %s = %d, want %d", row, stage.Grid.RowTotal[i].Value, sum)
		}
	}
	for _, tb := range r.Tables {
		if rec := jointreport.Recoverable(tb.Grid); len(rec) > 0 {
			t.Errorf("table %s: %d cells recoverable", tb.Key, len(rec))
		}
		for i := range tb.Grid.Inner {
			for _, c := range append(tb.Grid.Inner[i], tb.Grid.RowTotal[i]) {
				if c.Value > 0 && c.Value < 5 && !c.Suppressed {
					t.Errorf("table %s row %s shows %d", tb.Key, tb.Rows[i], c.Value)
				}
			}
		}
	}
}

// TestJointReportAuditedInTheActorsStore checks the one audit row goes to the analyst's own store.
func TestJointReportAuditedInTheActorsStore(t *testing.T) {
	env := apptest.New(t)
	from, to := period()
	a := env.Actor(t, khAnalyst)
	if _, err := jointreport.New(env.App.Stores).Report(context.Background(), a, from, to); err != nil {
		t.Fatal(err)
	}
	count := func(cc string) int {
		st, _ := env.App.Stores.For(cc)
		var n int
		if err := st.DB.Raw(`SELECT count(*) FROM audit_log WHERE action = 'report.joint' AND actor_user_id = ?`, a.UserID).Scan(&n).Error; err != nil {
			t.Fatal(err)
		}
		return n
	}
	if kh, th := count("KH"), count("TH"); kh != 1 || th != 0 {
		t.Errorf("audit rows: KH %d, TH %d; want 1, 0", kh, th)
	}
}

func TestJointReportBadPeriod(t *testing.T) {
	env := apptest.New(t)
	svc := jointreport.New(env.App.Stores)
	a := env.Actor(t, thAnalyst)
	now := time.Now()
	for name, p := range map[string][2]time.Time{
		"reversed": {now, now.AddDate(0, -1, 0)},
		"empty":    {now, now},
		"no start": {{}, now},
		"too long": {now.AddDate(-20, 0, 0), now},
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := svc.Report(context.Background(), a, p[0], p[1]); !isInvalid(err) {
				t.Errorf("Report = %v, want invalid", err)
			}
		})
	}
}

func isInvalid(err error) bool {
	_, ok := problem.AsInvalid(err)
	return ok
}
