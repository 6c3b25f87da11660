package dashboard_test

import (
	"context"
	"testing"
	"time"

	"homeward/internal/apptest"
	"homeward/internal/cases"
	"homeward/internal/dashboard"
	"homeward/internal/reintegration"
	"homeward/internal/services"
)

// datedOracleSQL is how the lists by date were summed before 00032: every per-day row of the
// agency, filtered by its day. Parameters: soon, the user, nobody, soon, the user, nobody,
// yesterday, the agency.
const datedOracleSQL = `SELECT
  coalesce(sum(k.n) FILTER (WHERE left(k.item, 9) = 'step_due:' AND substr(k.item, 10) COLLATE "C" <= ?
                            AND k.user_id IN (?::uuid, ?::uuid)), 0)::int AS deadlines,
  coalesce(sum(k.n) FILTER (WHERE left(k.item, 10) = 'visit_due:' AND substr(k.item, 11) COLLATE "C" <= ?
                            AND k.user_id IN (?::uuid, ?::uuid)), 0)::int AS visits,
  coalesce(sum(k.n) FILTER (WHERE left(k.item, 10) = 'visit_due:' AND substr(k.item, 11) COLLATE "C" <= ?), 0)::int AS overdue_visits
FROM dashboard_counts k WHERE k.agency_id = ? AND strpos(k.item, ':') > 0`

// TestDatedTotalsFromRanges: the totals of the lists by date, read by index range (00032), equal the
// sums over every per-day row of the agency, for the caseworker and the supervisor, with visits
// before, at and after each bound.
func TestDatedTotalsFromRanges(t *testing.T) {
	env := apptest.New(t)
	ctx := context.Background()
	svc := dashboard.New(env.App.Hub, env.App.Stores, nil)
	w, sup := env.Actor(t, thWorker), env.Actor(t, thSupervisor)
	today := services.Today(time.Now())
	visits := reintegration.New(env.App.Stores)
	st, err := env.App.Stores.For("TH")
	if err != nil {
		t.Fatal(err)
	}
	for i, days := range []int{-40, -2, -1, 0, 1, dashboard.SoonDays, dashboard.SoonDays + 1, 200} {
		age := 30
		_, c, err := env.App.Cases.Intake(ctx, w, cases.IntakeInput{GivenName: "Dara", Sex: "male", AgeEstimate: &age, Nationality: "KH"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := env.App.Cases.Transition(ctx, w, c.ID, cases.TransitionInput{To: cases.StageScreening, Version: c.Version}); err != nil {
			t.Fatal(err)
		}
		if i%2 == 1 { // half of them assigned to the supervisor: neither the caseworker's nor nobody's
			if err := st.DB.Exec(`UPDATE cases SET assigned_user_id = ? WHERE id = ?`, sup.UserID, c.ID).Error; err != nil {
				t.Fatal(err)
			}
		}
		// Scheduled visits are entered in the future; the dates before today are what time does to them.
		if _, err := visits.AddVisit(ctx, w, c.ID, reintegration.VisitInput{Status: "scheduled",
			VisitDate: today.AddDate(0, 0, 1).Format(time.DateOnly), LocationKind: "home"}); err != nil {
			t.Fatal(err)
		}
		if err := st.DB.Exec(`UPDATE follow_up_visits SET visit_date = ? WHERE case_id = ?`,
			today.AddDate(0, 0, days).Format(time.DateOnly), c.ID).Error; err != nil {
			t.Fatal(err)
		}
	}
	soon, yesterday := today.AddDate(0, 0, dashboard.SoonDays).Format(time.DateOnly), today.AddDate(0, 0, -1).Format(time.DateOnly)
	for _, a := range []struct {
		name    string
		email   string
		overdue bool
	}{{"caseworker", thWorker, false}, {"supervisor", thSupervisor, true}} {
		t.Run(a.name, func(t *testing.T) {
			actor := env.Actor(t, a.email)
			var want struct{ Deadlines, Visits, OverdueVisits int }
			if err := st.DB.Raw(datedOracleSQL, soon, actor.UserID, "00000000-0000-0000-0000-000000000000", soon, actor.UserID,
				"00000000-0000-0000-0000-000000000000", yesterday, actor.AgencyID).Scan(&want).Error; err != nil {
				t.Fatal(err)
			}
			if want.Visits == 0 || want.OverdueVisits == 0 {
				t.Fatalf("oracle %+v: the fixture should give visits and overdue visits", want)
			}
			d, err := svc.For(ctx, actor)
			if err != nil {
				t.Fatal(err)
			}
			cw := d.Caseworker
			if cw.Visits.Total != want.Visits {
				t.Errorf("visits total %d, want %d", cw.Visits.Total, want.Visits)
			}
			if cw.Deadlines.Total != want.Deadlines {
				t.Errorf("deadlines total %d, want %d", cw.Deadlines.Total, want.Deadlines)
			}
			if a.overdue {
				if d.Supervisor == nil || d.Supervisor.OverdueVisits == nil || d.Supervisor.OverdueVisits.Total != want.OverdueVisits {
					t.Errorf("supervisor panel %+v, want %d overdue visits", d.Supervisor, want.OverdueVisits)
				}
			}
		})
	}
}
