package notify_test

import (
	"context"
	"testing"
	"time"

	"homeward/internal/apptest"
	"homeward/internal/dashboard"
)

func TestMain(m *testing.M) { apptest.Main(m) }

// The digest's counts are the home page's totals, for every kind of user: the same queries, scope
// and rights, so a digest never counts what the user's own dashboard does not show.
func TestWaitingMatchesDashboard(t *testing.T) {
	env := apptest.New(t)
	ctx := context.Background()
	dash := env.App.Dashboard
	some := 0
	// A year on, every repatriation step and visit of the demo is overdue: the overdue counts are
	// compared too (both services on the same clock).
	later := func() time.Time { return time.Now().UTC().AddDate(1, 0, 0) }
	dash.WithClock(later)
	env.App.Repatriation.WithClock(later)
	for _, email := range []string{
		"caseworker@th-msdhs-sakaeo.demo", "supervisor@th-msdhs-sakaeo.demo", "country_admin@th-msdhs-sakaeo.demo",
		"auditor@th-msdhs-sakaeo.demo", "analyst@th-msdhs-sakaeo.demo", "investigator@th-pct.demo", "supervisor@th-pct.demo",
		"caseworker@kh-mosvy-poipet.demo", "supervisor@kh-mosvy-poipet.demo", "supervisor@kh-cnp-aht.demo",
		"embassy_officer@th-embassy-pnh.demo", "embassy_officer@kh-embassy-bkk.demo", "ngo_worker@ngo-th-legal.demo",
		"ngo_worker@ngo-kh-shelter.demo",
	} {
		t.Run(email, func(t *testing.T) {
			a := env.Actor(t, email)
			d, err := dash.For(ctx, a)
			if err != nil {
				t.Fatal(err)
			}
			w, err := dash.Waiting(ctx, a)
			if err != nil {
				t.Fatal(err)
			}
			if want := fromDashboard(d); w != want {
				t.Errorf("Waiting = %+v\nthe dashboard's totals = %+v", w, want)
			}
			some += w.Total()
		})
	}
	if some == 0 {
		t.Fatal("the demo data has nothing waiting for anyone: the comparison proves nothing")
	}
}

// fromDashboard is the totals of d's lists, as Waiting counts them.
func fromDashboard(d *dashboard.Dashboard) dashboard.Waiting {
	var w dashboard.Waiting
	total := func(tl *dashboard.TaskList) int {
		if tl == nil {
			return 0
		}
		return tl.Total
	}
	if cw := d.Caseworker; cw != nil {
		w.Screenings, w.Returned, w.Deadlines, w.VisitsDue = cw.Screenings.Total, cw.Returned.Total, cw.Deadlines.Total, cw.Visits.Total
	}
	if sv := d.Supervisor; sv != nil {
		w.Decisions, w.Closures, w.PacketsPending = total(sv.Decisions), total(sv.Closures), total(sv.Packets)
		w.OverdueSteps, w.OverdueVisits = total(sv.OverdueSteps), total(sv.OverdueVisits)
	}
	if in := d.Inbox; in != nil {
		for _, c := range in.ByStatus {
			if c.Status == "sent" {
				w.PacketsNew = c.Count
			}
		}
	}
	return w
}
