package cases_test

import (
	"context"
	"encoding/json"
	"testing"

	"homeward/internal/apptest"
	"homeward/internal/cases"
)

// TestListAuditRow checks the audit row of each way a page is read: the plain list (its row
// appended by the listing statement itself) with a full page and with a short one, and a name
// search (read and row in a transaction). The row names the actor, the section and the filters,
// and counts the rows shown, as the JSON of the detail map.
func TestListAuditRow(t *testing.T) {
	env := apptest.New(t)
	ctx := context.Background()
	f := newWorklistFixture(t, env)
	worker := env.Actor(t, thWorker)
	st := thStore(t, env)
	tests := []struct {
		name string
		q    cases.ListQuery
		rows int
	}{
		{"full page, more after it", cases.ListQuery{Limit: 2}, 2},
		{"short page", cases.ListQuery{Nationality: "KE", Limit: 10}, 1},
		{"nothing found", cases.ListQuery{Nationality: "ZW"}, 0},
		{"name search", cases.ListQuery{Q: "Otieno"}, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			page, err := env.App.Cases.List(ctx, worker, tc.q)
			if err != nil {
				t.Fatal(err)
			}
			if len(page.Items) != tc.rows {
				t.Fatalf("page has %d rows, want %d", len(page.Items), tc.rows)
			}
			if tc.rows == 1 && page.Items[0].ID != f.kenyan {
				t.Fatalf("page holds %s, want the Kenyan's case %s", page.Items[0].ID, f.kenyan)
			}
			var row struct {
				ActorUserID, ActorAgencyID, Section, Entity, Detail string
			}
			err = st.DB.Raw(`SELECT actor_user_id, actor_agency_id, section, entity, detail FROM audit_log
				WHERE action = 'case.list' ORDER BY id DESC LIMIT 1`).Scan(&row).Error
			if err != nil {
				t.Fatal(err)
			}
			want, _ := json.Marshal(map[string]any{
				"stage": tc.q.Stage, "operation": "", "nationality": tc.q.Nationality, "minor": nil,
				"assigned": false, "pending_approval": false, "searched": tc.q.Q != "", "rows": tc.rows})
			if row.Detail != string(want) {
				t.Errorf("detail %s, want %s", row.Detail, want)
			}
			if row.ActorUserID != worker.UserID || row.ActorAgencyID != worker.AgencyID || row.Section != "cases" || row.Entity != "case" {
				t.Errorf("row %+v, want the worker of %s, section cases, entity case", row, worker.AgencyID)
			}
		})
	}
}
