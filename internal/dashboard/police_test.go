package dashboard_test

import (
	"context"
	"testing"

	"homeward/internal/apptest"
	"homeward/internal/authz"
	"homeward/internal/dashboard"
)

// overdueLike refuses as repatriation.Service.Overdue does: overdue:read and the repatriation
// section, else not found.
func overdueLike(_ context.Context, a *authz.Actor) ([]dashboard.Task, error) {
	if err := a.Require(authz.SectionOverdue, authz.ActionRead); err != nil {
		return nil, err
	}
	if err := a.Require(authz.SectionRepatriation, authz.ActionRead); err != nil {
		return nil, err
	}
	return []dashboard.Task{{CaseID: "overdue", Overdue: true}}, nil
}

// TestPanelsFollowRights checks that every supervisor gets a dashboard of the agency's cases, with
// only the lists its rights give: a police supervisor the closures (no identification decisions,
// packets or overdue work), a welfare supervisor all of them; in both countries.
func TestPanelsFollowRights(t *testing.T) {
	env := apptest.New(t)
	ctx := context.Background()
	svc := dashboard.New(env.App.Hub, env.App.Stores, overdueLike)
	tests := []struct {
		user, country                                       string
		decisions, packets, closures, overdue, overdueVisit bool
	}{
		{"supervisor@th-pct.demo", "TH", false, false, true, false, false},
		{"supervisor@kh-cnp-aht.demo", "KH", false, false, true, false, false},
		{"supervisor@th-msdhs-sakaeo.demo", "TH", true, true, true, true, true},
		{"supervisor@kh-mosvy-poipet.demo", "KH", true, true, true, true, true},
	}
	for _, tt := range tests {
		t.Run(tt.user, func(t *testing.T) {
			a := env.Actor(t, tt.user)
			d, err := svc.For(ctx, a)
			if err != nil {
				t.Fatalf("For: %v", err)
			}
			if d.Caseworker == nil || d.Supervisor == nil {
				t.Fatalf("panels = %+v", d)
			}
			total := 0
			for _, s := range d.Caseworker.ByStage {
				total += s.Total
			}
			var want int
			st, _ := env.App.Stores.For(tt.country)
			st.DB.Raw(`SELECT count(*) FROM cases WHERE owner_agency_id = ? OR id IN (SELECT case_id FROM case_team WHERE agency_id = ?)`,
				a.AgencyID, a.AgencyID).Scan(&want)
			var store int
			st.DB.Raw(`SELECT count(*) FROM cases`).Scan(&store)
			if total != want || want == 0 || want == store {
				t.Errorf("cases by stage = %d, want the agency's %d (of %d in the store)", total, want, store)
			}
			sv := d.Supervisor
			for _, l := range []struct {
				name     string
				got, has bool
			}{
				{"decisions", sv.Decisions != nil, tt.decisions},
				{"packets", sv.Packets != nil, tt.packets},
				{"closures", sv.Closures != nil, tt.closures},
				{"overdue steps", sv.OverdueSteps != nil, tt.overdue},
				{"overdue visits", sv.OverdueVisits != nil, tt.overdueVisit},
			} {
				if l.got != l.has {
					t.Errorf("%s list present = %v, want %v", l.name, l.got, l.has)
				}
			}
			if tt.overdue && !refs(sv.OverdueSteps)["overdue"] {
				t.Errorf("overdue steps = %+v", sv.OverdueSteps)
			}
		})
	}
}
