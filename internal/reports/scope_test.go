package reports_test

import (
	"context"
	"testing"

	"homeward/internal/authz"
	"homeward/internal/reports"
	"homeward/internal/testdb"
)

// TestFiguresFollowTheReadersScope checks that store-wide figures are exact only for a reader who
// may read every case they count: the welfare supervisor while every case of the period is its
// agency's, not once a police case it does not see is counted (until its agency joins the case
// team); a police supervisor (reports:read, none of these cases) and the analyst always see the
// small-cell rule; operation progress counts every case of the store (the demo's police cases).
func TestFiguresFollowTheReadersScope(t *testing.T) {
	env := seedStores(t)
	svc := reports.New(env.App.Stores)
	ctx := context.Background()
	sup, police, analyst := env.Actor(t, thSupervisor), env.Actor(t, "supervisor@th-pct.demo"), env.Actor(t, thAnalyst)
	actors := map[string]*authz.Actor{"supervisor": sup, "police": police, "analyst": analyst}
	suppressed := func(who string) bool {
		t.Helper()
		d, err := svc.Dashboard(ctx, actors[who], fxFrom, fxTo)
		if err != nil {
			t.Fatalf("%s: %v", who, err)
		}
		for _, rows := range [][]reports.Row{d.ByStage, d.ByNationality, d.BySex, d.Flow} {
			for _, r := range rows {
				if d.Suppressed && r.Count.N > 0 && r.Count.N < reports.SmallCell && !r.Count.Hidden {
					t.Errorf("%s: small cell shown under suppression: %+v", who, r)
				}
			}
		}
		return d.Suppressed
	}
	for who, want := range map[string]bool{"supervisor": false, "police": true, "analyst": true} {
		if got := suppressed(who); got != want {
			t.Errorf("%s: suppressed = %v, want %v (only the fixture's welfare cases in the period)", who, got, want)
		}
	}

	// A police case received in the period: the welfare supervisor may not read it.
	db := env.Databases["TH"]
	pid, cid := fxID("person", 900), fxID("case", 900)
	testdb.Exec(t, db, `INSERT INTO persons (id, given_name, sex, nationality, created_at) VALUES ($1, 'Police', 'male', 'KH', '2020-03-05T00:00:00Z')`, pid)
	testdb.Exec(t, db, `INSERT INTO cases (id, reference, person_id, owner_agency_id, stage, created_at, updated_at)
		VALUES ($1, 'FX-900', $2, $3, 'reception', '2020-03-05T00:00:00Z', '2020-03-05T00:00:00Z')`, cid, pid, police.AgencyID)
	if !suppressed("supervisor") {
		t.Error("supervisor: exact figures that count a police case it may not read")
	}
	testdb.Exec(t, db, `INSERT INTO case_team (case_id, agency_id) VALUES ($1, $2)`, cid, sup.AgencyID)
	if suppressed("supervisor") {
		t.Error("supervisor: suppressed although its agency is on the team of every case counted")
	}
	if !suppressed("police") {
		t.Error("police supervisor: exact figures of welfare cases")
	}

	for _, a := range []string{thSupervisor, "supervisor@th-pct.demo", thAnalyst} {
		o, err := svc.Operations(ctx, env.Actor(t, a))
		if err != nil {
			t.Fatal(err)
		}
		if !o.Suppressed {
			t.Errorf("%s: exact operation progress over a store of several agencies' cases", a)
		}
	}
}
