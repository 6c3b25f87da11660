package cases_test

import (
	"context"
	"sort"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/google/uuid"

	"homeward/internal/apptest"
	"homeward/internal/cases"
	"homeward/internal/problem"
	"homeward/internal/store"
)

// worklistFixture registers the persons the filter tests look for; all are called "… Worklist".
type worklistFixture struct {
	kenyan, minor, fromOperation, assigned, pending, plain string // case ids
	operationID                                            string
}

func newWorklistFixture(t *testing.T, env *apptest.Env) worklistFixture {
	t.Helper()
	ctx := context.Background()
	st := thStore(t, env)
	var f worklistFixture
	if err := st.DB.Raw(`SELECT id FROM operations ORDER BY id LIMIT 1`).Scan(&f.operationID).Error; err != nil || f.operationID == "" {
		t.Fatalf("no demo operation in TH: %v", err)
	}
	age, child := 30, 15
	in := func(given, nat string, age *int, op string) cases.IntakeInput {
		return cases.IntakeInput{GivenName: given, FamilyName: "Worklist", Sex: "male", AgeEstimate: age, Nationality: nat, OperationID: op}
	}
	res, err := env.App.Cases.IntakeBatch(ctx, env.Actor(t, thWorker), []cases.IntakeInput{
		in("Otieno", "KE", &age, ""), in("Dara", "KH", &child, ""), in("Sokha", "KH", &age, f.operationID),
		in("Vanna", "KH", &age, ""), in("Bopha", "KH", &age, ""), in("Chenda", "KH", &age, ""),
	})
	if err != nil {
		t.Fatal(err)
	}
	f.kenyan, f.minor, f.fromOperation = res[0].Case.ID, res[1].Case.ID, res[2].Case.ID
	f.assigned, f.pending, f.plain = res[3].Case.ID, res[4].Case.ID, res[5].Case.ID
	worker := env.Actor(t, thWorker)
	if _, err := env.App.Cases.Assign(ctx, env.Actor(t, thSupervisor), f.assigned,
		cases.AssignInput{UserID: worker.UserID, Version: 1}, caseworkerCheck(env)); err != nil {
		t.Fatal(err)
	}
	// A decision waiting for approval, and a decided one that must not count.
	for _, d := range []struct{ caseID, status string }{{f.pending, "proposed"}, {f.plain, "approved"}} {
		err := st.DB.Exec(`INSERT INTO identification_decisions (id, case_id, decision, status, proposed_by, proposed_at, decided_by, decided_at)
			VALUES (?, ?, 'identified', ?, ?, now(), CASE WHEN ? = 'proposed' THEN NULL ELSE ?::uuid END, CASE WHEN ? = 'proposed' THEN NULL ELSE now() END)`,
			uuid.NewString(), d.caseID, d.status, worker.UserID, d.status, uuid.NewString(), d.status).Error
		if err != nil {
			t.Fatalf("decision: %v", err)
		}
	}
	return f
}

func thStore(t testing.TB, env *apptest.Env) *store.Store {
	t.Helper()
	st, err := env.App.Stores.For("TH")
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func ids(items []cases.Summary) []string {
	out := make([]string, 0, len(items))
	for _, s := range items {
		out = append(out, s.ID)
	}
	sort.Strings(out)
	return out
}

func sorted(s ...string) []string { sort.Strings(s); return s }

func TestListFilters(t *testing.T) {
	env := apptest.New(t)
	f := newWorklistFixture(t, env)
	yes, no := true, false
	worker := env.Actor(t, thWorker)
	all := sorted(f.kenyan, f.minor, f.fromOperation, f.assigned, f.pending, f.plain)
	tests := []struct {
		name string
		q    cases.ListQuery
		want []string
	}{
		{"search only", cases.ListQuery{}, all},
		{"nationality", cases.ListQuery{Nationality: "KE"}, sorted(f.kenyan)},
		{"nationality, lower case", cases.ListQuery{Nationality: "ke"}, sorted(f.kenyan)},
		{"minors", cases.ListQuery{Minor: &yes}, sorted(f.minor)},
		{"adults", cases.ListQuery{Minor: &no}, sorted(f.kenyan, f.fromOperation, f.assigned, f.pending, f.plain)},
		{"operation", cases.ListQuery{Operation: f.operationID}, sorted(f.fromOperation)},
		{"assigned to me", cases.ListQuery{AssignedTo: worker.UserID}, sorted(f.assigned)},
		{"pending approval", cases.ListQuery{PendingApproval: true}, sorted(f.pending)},
		{"stage", cases.ListQuery{Stage: cases.StageReception}, all},
		{"stage without match", cases.ListQuery{Stage: cases.StageClosed}, []string{}},
		{"combined", cases.ListQuery{Nationality: "KH", Minor: &no, PendingApproval: true}, sorted(f.pending)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.q.Q = "worklist"
			page, err := env.App.Cases.List(context.Background(), worker, tt.q)
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(tt.want, ids(page.Items)); d != "" {
				t.Errorf("cases (-want +got):\n%s", d)
			}
		})
	}
	// Without the search, a filter still holds over the whole store.
	page, err := env.App.Cases.List(context.Background(), worker, cases.ListQuery{Minor: &yes, Limit: cases.MaxLimit})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range page.Items {
		if !s.Minor {
			t.Errorf("minor filter returned an adult: %+v", s)
		}
	}
	// Another agency's filters see none of the owner's cases.
	page, err = env.App.Cases.List(context.Background(), env.Actor(t, khWorker), cases.ListQuery{Q: "worklist"})
	if err != nil || len(page.Items) != 0 {
		t.Fatalf("KH list = %v, %v", ids(page.Items), err)
	}
}

func TestListBadFilters(t *testing.T) {
	env := apptest.New(t)
	a := env.Actor(t, thWorker)
	for _, tt := range []struct {
		name, field string
		q           cases.ListQuery
	}{
		{"stage", "stage", cases.ListQuery{Stage: "limbo"}},
		{"operation", "operation", cases.ListQuery{Operation: "op-1"}},
		{"nationality", "nationality", cases.ListQuery{Nationality: "Kenya"}},
		{"assigned", "assigned", cases.ListQuery{AssignedTo: "me"}},
		{"cursor", "cursor", cases.ListQuery{Cursor: "!!"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := env.App.Cases.List(context.Background(), a, tt.q)
			if inv, ok := problem.AsInvalid(err); !ok || inv.Fields[tt.field] == "" {
				t.Fatalf("err = %v, want invalid %s", err, tt.field)
			}
		})
	}
}

// TestListPaginationStable walks pages of a search whose cases share one change time (a batch),
// while a new case arrives between pages: every case is seen exactly once, in order.
func TestListPaginationStable(t *testing.T) {
	env := apptest.New(t)
	ctx := context.Background()
	a := env.Actor(t, thWorker)
	age := 25
	batch := make([]cases.IntakeInput, 7)
	for i := range batch {
		batch[i] = cases.IntakeInput{GivenName: "Kosal", FamilyName: "Pagetest", Sex: "male", AgeEstimate: &age, Nationality: "KH"}
	}
	res, err := env.App.Cases.IntakeBatch(ctx, a, batch)
	if err != nil {
		t.Fatal(err)
	}
	want := make([]string, len(res))
	for i, r := range res {
		want[i] = r.Case.ID
	}
	sort.Sort(sort.Reverse(sort.StringSlice(want))) // same updated_at: id descending

	var got []string
	cursor := ""
	for pageNo := 0; ; pageNo++ {
		page, err := env.App.Cases.List(ctx, a, cases.ListQuery{Q: "pagetest", Limit: 3, Cursor: cursor})
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range page.Items {
			got = append(got, s.ID)
		}
		if pageNo == 0 {
			time.Sleep(time.Millisecond)
			if _, _, err := env.App.Cases.Intake(ctx, a, batch[0]); err != nil {
				t.Fatal(err)
			}
		}
		if page.NextCursor == "" {
			break
		}
		if pageNo > 5 {
			t.Fatal("pagination does not end")
		}
		cursor = page.NextCursor
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("pages (-want +got):\n%s", d)
	}
}

// TestListSearch finds a person by a partial name in Khmer, a partial alias and the exact number
// of a held document (not the primary one); a partial document number finds nothing.
func TestListSearch(t *testing.T) {
	env := apptest.New(t)
	ctx := context.Background()
	a := env.Actor(t, thWorker)
	age := 28
	_, c, err := env.App.Cases.Intake(ctx, a, cases.IntakeInput{GivenName: "សុខនីម", FamilyName: "ចាន់ស្រី", Sex: "female",
		AgeEstimate: &age, Nationality: "KH", Aliases: []string{"Nimmy Searchalias"}, DocumentNumber: "N 4455-667",
		DocumentsHeld: []cases.HeldDocument{{Kind: "work_permit", Number: "WP-778899"}}})
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		q    string
		want []string
	}{
		{"ខនីម", []string{c.ID}},
		{"ចាន់ស្រ", []string{c.ID}},
		{"searchali", []string{c.ID}},
		{"n44556 67", []string{c.ID}},
		{"wp 778899", []string{c.ID}},
		{"778899", nil},
	} {
		page, err := env.App.Cases.List(ctx, a, cases.ListQuery{Q: tt.q})
		if err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff(tt.want, ids(page.Items), cmpopts.EquateEmpty()); d != "" {
			t.Errorf("search %q (-want +got):\n%s", tt.q, d)
		}
	}
}
