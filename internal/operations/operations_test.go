package operations_test

import (
	"bytes"
	"context"
	"errors"
	"math"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"homeward/internal/apptest"
	"homeward/internal/authz"
	"homeward/internal/cases"
	"homeward/internal/operations"
	"homeward/internal/problem"
)

func TestMain(m *testing.M) { apptest.Main(m) }

const (
	thWorker  = "caseworker@th-msdhs-sakaeo.demo"
	thPolice  = "investigator@th-pct.demo"
	khWorker  = "caseworker@kh-mosvy-poipet.demo"
	thAdmin   = "country_admin@th-msdhs-sakaeo.demo"
	thAuditor = "auditor@th-msdhs-sakaeo.demo"
	thAnalyst = "analyst@th-msdhs-sakaeo.demo"
	embassy   = "embassy_officer@th-embassy-pnh.demo"
	ngo       = "ngo_worker@ngo-kh-shelter.demo"
)

// fixedNow is the tests' clock, fixed at the start: the demo data is dated relative to the real day.
var fixedNow = time.Now().UTC().Truncate(time.Microsecond)

// bangkokDay is a date relative to fixedNow's day in Bangkok (UTC+7), as YYYY-MM-DD.
func bangkokDay(days int) string {
	return fixedNow.In(time.FixedZone("ICT", 7*60*60)).AddDate(0, 0, days).Format(time.DateOnly)
}

func service(env *apptest.Env) *operations.Service {
	return operations.New(env.App.Stores, env.App.Hub).WithClock(func() time.Time { return fixedNow })
}

// agencyID returns the id of a demo agency.
func agencyID(t testing.TB, env *apptest.Env, slug string) string {
	t.Helper()
	ag, err := env.App.Directory.AgencyBySlug(context.Background(), slug)
	if err != nil {
		t.Fatalf("agency %s: %v", slug, err)
	}
	return ag.ID
}

func ptr[T any](v T) *T { return &v }

// validInput is a complete operation led by the Thai police.
func validInput(t testing.TB, env *apptest.Env) operations.Input {
	return operations.Input{Name: "  Operation Night Harbour ", OperationDate: bangkokDay(-1), LeadAgencyID: agencyID(t, env, "th-pct"),
		Province: "Sa Kaeo", District: "Aranyaprathet", Compound: "Kings Casino compound", Alias: "KK2",
		Latitude: ptr(13.6904321), Longitude: ptr(102.5010), Notes: "Informant: a former guard named Somchai."}
}

func create(t testing.TB, env *apptest.Env, svc *operations.Service, email string) *operations.Operation {
	t.Helper()
	v, err := svc.Create(context.Background(), env.Actor(t, email), validInput(t, env))
	if err != nil {
		t.Fatalf("create operation as %s: %v", email, err)
	}
	if v.LeadAgency == nil || v.LeadAgency.Slug != "th-pct" || v.Notes == "" {
		t.Fatalf("created view = %+v", v)
	}
	return &v.Operation
}

func TestCreateListGet(t *testing.T) {
	env := apptest.New(t)
	ctx := context.Background()
	svc := service(env)
	a := env.Actor(t, thWorker)
	op := create(t, env, svc, thWorker)
	if op.Name != "Operation Night Harbour" || op.Version != 1 || op.CreatedBy == nil || *op.CreatedBy != a.UserID {
		t.Fatalf("created = %+v", op)
	}

	page, err := svc.List(ctx, a, operations.PageQuery{})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Items) != 3 || page.Items[0].ID != op.ID {
		t.Fatalf("list = %+v, want the new operation first of 3", page.Items)
	}
	first := page.Items[0]
	if first.LeadAgency == nil || first.LeadAgency.Slug != "th-pct" || first.Persons == nil || *first.Persons != 0 {
		t.Fatalf("first row = %+v", first)
	}
	for i := 1; i < len(page.Items); i++ {
		if page.Items[i].OperationDate.After(page.Items[i-1].OperationDate) {
			t.Fatalf("list not newest first: %+v", page.Items)
		}
	}

	v, err := svc.Get(ctx, a, op.ID, operations.PageQuery{})
	if err != nil {
		t.Fatal(err)
	}
	got := v.Operation
	if got.District != "Aranyaprathet" || got.Alias != "KK2" || got.Latitude == nil || *got.Latitude != 13.690432 ||
		*got.Longitude != 102.501 || got.OperationDate.Format(time.DateOnly) != bangkokDay(-1) {
		t.Fatalf("operation = %+v", got)
	}
	if v.Notes != "Informant: a former guard named Somchai." || v.LeadAgency == nil || v.LeadAgency.Slug != "th-pct" {
		t.Fatalf("notes %q lead %+v", v.Notes, v.LeadAgency)
	}

	// The notes are sealed at rest.
	st, _ := env.App.Stores.For("TH")
	var enc []byte
	if err := st.DB.Raw(`SELECT notes_enc FROM operations WHERE id = ?`, op.ID).Row().Scan(&enc); err != nil {
		t.Fatal(err)
	}
	if len(enc) == 0 || bytes.Contains(enc, []byte("Somchai")) {
		t.Fatalf("notes not sealed at rest: %q", enc)
	}

	// Every read and write is audited, in the store.
	var actions []string
	if err := st.DB.Raw(`SELECT action FROM audit_log WHERE entity = 'operation' AND actor_user_id = ? ORDER BY id`, a.UserID).
		Scan(&actions).Error; err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff([]string{"operation.create", "operation.list", "operation.read"}, actions); d != "" {
		t.Errorf("audit actions (-want +got):\n%s", d)
	}
}

func TestListPages(t *testing.T) {
	env := apptest.New(t)
	ctx := context.Background()
	svc := service(env)
	a := env.Actor(t, thPolice)
	create(t, env, svc, thPolice)
	var seen []string
	q := operations.PageQuery{Limit: 1}
	for range 5 {
		page, err := svc.List(ctx, a, q)
		if err != nil {
			t.Fatal(err)
		}
		for _, it := range page.Items {
			seen = append(seen, it.ID)
		}
		if page.NextCursor == "" {
			break
		}
		q.Cursor = page.NextCursor
	}
	if len(seen) != 3 || len(slices.Compact(slices.Sorted(slices.Values(seen)))) != 3 {
		t.Fatalf("pages gave %v, want 3 distinct operations", seen)
	}
	_, err := svc.List(ctx, a, operations.PageQuery{Cursor: "not-a-cursor"})
	if inv, ok := problem.AsInvalid(err); !ok || inv.Fields["cursor"] == "" {
		t.Fatalf("bad cursor: %v", err)
	}
}

// TestStoresApart: a Cambodian user neither lists nor reads a Thai operation.
func TestStoresApart(t *testing.T) {
	env := apptest.New(t)
	ctx := context.Background()
	svc := service(env)
	op := create(t, env, svc, thWorker)
	kh := env.Actor(t, khWorker)
	if _, err := svc.Get(ctx, kh, op.ID, operations.PageQuery{}); !errors.Is(err, authz.ErrNotFound) {
		t.Fatalf("KH get of a TH operation: %v, want not found", err)
	}
	page, err := svc.List(ctx, kh, operations.PageQuery{})
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range page.Items {
		if it.ID == op.ID {
			t.Fatal("KH list holds a TH operation")
		}
		if it.LeadAgency == nil || it.LeadAgency.Slug != "kh-cnp-aht" {
			t.Fatalf("KH operation led by %+v", it.LeadAgency)
		}
	}
	// A Cambodian agency cannot lead a Thai operation.
	in := validInput(t, env)
	in.LeadAgencyID = agencyID(t, env, "kh-cnp-aht")
	_, err = svc.Create(ctx, env.Actor(t, thWorker), in)
	if inv, ok := problem.AsInvalid(err); !ok || inv.Fields["lead_agency_id"] != "operation.error.lead_agency" {
		t.Fatalf("TH operation led by KH police: %v", err)
	}
}

// TestPersonsScoped: every agency of the store sees the operation, but only the persons whose cases
// it may see (owned, or on the case team).
func TestPersonsScoped(t *testing.T) {
	env := apptest.New(t)
	ctx := context.Background()
	svc := service(env)
	op := create(t, env, svc, thPolice)
	worker, police := env.Actor(t, thWorker), env.Actor(t, thPolice)
	intake := func(a *authz.Actor, name string, age int) *cases.Case {
		t.Helper()
		_, c, err := env.App.Cases.Intake(ctx, a, cases.IntakeInput{GivenName: name, Sex: "male", AgeEstimate: &age,
			Nationality: "KH", OperationID: op.ID})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	w1, w2 := intake(worker, "Dara", 16), intake(worker, "Vuthy", 30)
	p1 := intake(police, "Sokun", 25)
	st, _ := env.App.Stores.For("TH")
	if err := st.DB.Exec(`INSERT INTO case_team (case_id, agency_id) VALUES (?, ?)`, w2.ID, police.AgencyID).Error; err != nil {
		t.Fatal(err)
	}

	ids := func(a *authz.Actor) []string {
		t.Helper()
		v, err := svc.Get(ctx, a, op.ID, operations.PageQuery{})
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, p := range v.Persons {
			out = append(out, p.CaseID)
		}
		slices.Sort(out)
		return out
	}
	sorted := func(s ...string) []string { slices.Sort(s); return s }
	if d := cmp.Diff(sorted(w1.ID, w2.ID), ids(worker)); d != "" {
		t.Errorf("welfare sees (-want +got):\n%s", d)
	}
	if d := cmp.Diff(sorted(w2.ID, p1.ID), ids(police)); d != "" {
		t.Errorf("police sees (-want +got):\n%s", d)
	}

	// The minor is flagged; the list counts only the persons the actor may see.
	v, err := svc.Get(ctx, worker, op.ID, operations.PageQuery{Limit: 1})
	if err != nil {
		t.Fatal(err)
	}
	if len(v.Persons) != 1 || v.NextCursor == "" || v.Persons[0].CaseID != w1.ID || !v.Persons[0].Minor ||
		v.Persons[0].GivenName != "Dara" || v.Persons[0].Reference == "" || v.Persons[0].Nationality != "KH" {
		t.Fatalf("first page = %+v next %q", v.Persons, v.NextCursor)
	}
	v, err = svc.Get(ctx, worker, op.ID, operations.PageQuery{Limit: 1, Cursor: v.NextCursor})
	if err != nil || len(v.Persons) != 1 || v.Persons[0].CaseID != w2.ID || v.NextCursor != "" {
		t.Fatalf("second page = %+v %v", v, err)
	}
	if _, err := svc.Get(ctx, worker, op.ID, operations.PageQuery{Cursor: "%%%"}); err == nil {
		t.Fatal("bad persons cursor accepted")
	}
	page, err := svc.List(ctx, police, operations.PageQuery{})
	if err != nil {
		t.Fatal(err)
	}
	if page.Items[0].ID != op.ID || page.Items[0].Persons == nil || *page.Items[0].Persons != 2 {
		t.Fatalf("police list row = %+v", page.Items[0])
	}
}

// TestRefused: roles without the operations section, and agencies without a store, find nothing.
func TestRefused(t *testing.T) {
	env := apptest.New(t)
	ctx := context.Background()
	svc := service(env)
	op := create(t, env, svc, thWorker)
	for _, email := range []string{thAdmin, thAuditor, thAnalyst, embassy, ngo} {
		t.Run(email, func(t *testing.T) {
			a := env.Actor(t, email)
			if _, err := svc.List(ctx, a, operations.PageQuery{}); !errors.Is(err, authz.ErrNotFound) {
				t.Errorf("list: %v", err)
			}
			if _, err := svc.Get(ctx, a, op.ID, operations.PageQuery{}); !errors.Is(err, authz.ErrNotFound) {
				t.Errorf("get: %v", err)
			}
			if _, err := svc.Create(ctx, a, validInput(t, env)); !errors.Is(err, authz.ErrNotFound) {
				t.Errorf("create: %v", err)
			}
			if _, err := svc.LeadAgencies(ctx, a); !errors.Is(err, authz.ErrNotFound) {
				t.Errorf("lead agencies: %v", err)
			}
		})
	}
	a := env.Actor(t, thWorker)
	for _, id := range []string{"", "nope", "00000000-0000-7000-8000-000000000000", op.ID + "x"} {
		if _, err := svc.Get(ctx, a, id, operations.PageQuery{}); !errors.Is(err, authz.ErrNotFound) {
			t.Errorf("get %q: %v", id, err)
		}
	}
}

func TestCreateInvalid(t *testing.T) {
	env := apptest.New(t)
	ctx := context.Background()
	svc := service(env)
	a := env.Actor(t, thWorker)
	long := string(bytes.Repeat([]byte("ก"), 201))
	for _, tc := range []struct {
		name   string
		change func(*operations.Input)
		want   map[string]string
	}{
		{"no name", func(in *operations.Input) { in.Name = "  " }, map[string]string{"name": "form.error.required"}},
		{"long name", func(in *operations.Input) { in.Name = long }, map[string]string{"name": "form.error.too_long"}},
		{"long alias", func(in *operations.Input) { in.Alias = long }, map[string]string{"alias": "form.error.too_long"}},
		{"long notes", func(in *operations.Input) { in.Notes = string(bytes.Repeat([]byte("x"), 10001)) },
			map[string]string{"notes": "form.error.too_long"}},
		{"no date", func(in *operations.Input) { in.OperationDate = "" }, map[string]string{"operation_date": "form.error.required"}},
		{"bad date", func(in *operations.Input) { in.OperationDate = "14/03/2026" }, map[string]string{"operation_date": "form.error.date"}},
		{"tomorrow in Bangkok", func(in *operations.Input) { in.OperationDate = bangkokDay(1) },
			map[string]string{"operation_date": "operation.error.date_future"}},
		{"too old", func(in *operations.Input) { in.OperationDate = "1999-12-31" }, map[string]string{"operation_date": "form.error.date_range"}},
		{"no lead", func(in *operations.Input) { in.LeadAgencyID = "" }, map[string]string{"lead_agency_id": "form.error.required"}},
		{"unknown lead", func(in *operations.Input) { in.LeadAgencyID = "00000000-0000-7000-8000-000000000000" },
			map[string]string{"lead_agency_id": "operation.error.lead_agency"}},
		{"embassy lead", func(in *operations.Input) { in.LeadAgencyID = agencyID(t, env, "th-embassy-pnh") },
			map[string]string{"lead_agency_id": "operation.error.lead_agency"}},
		{"ngo lead by slug", func(in *operations.Input) { in.LeadAgencyID, in.LeadAgencySlug = "", "ngo-th-legal" },
			map[string]string{"lead_agency_id": "operation.error.lead_agency"}},
		{"latitude alone", func(in *operations.Input) { in.Longitude = nil }, map[string]string{"longitude": "operation.error.coordinates_pair"}},
		{"longitude alone", func(in *operations.Input) { in.Latitude = nil }, map[string]string{"latitude": "operation.error.coordinates_pair"}},
		{"latitude range", func(in *operations.Input) { in.Latitude = ptr(91.0) }, map[string]string{"latitude": "operation.error.latitude"}},
		{"longitude range", func(in *operations.Input) { in.Longitude = ptr(-180.5) }, map[string]string{"longitude": "operation.error.longitude"}},
		{"NaN", func(in *operations.Input) { in.Latitude = ptr(math.NaN()) }, map[string]string{"latitude": "operation.error.latitude"}},
		{"everything", func(in *operations.Input) { *in = operations.Input{} },
			map[string]string{"name": "form.error.required", "operation_date": "form.error.required", "lead_agency_id": "form.error.required"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := validInput(t, env)
			tc.change(&in)
			_, err := svc.Create(ctx, a, in)
			inv, ok := problem.AsInvalid(err)
			if !ok {
				t.Fatalf("err = %v, want invalid", err)
			}
			if d := cmp.Diff(tc.want, inv.Fields); d != "" {
				t.Errorf("fields (-want +got):\n%s", d)
			}
		})
	}
	// The lead agency may be named by slug; the form's zone decides "today".
	in := validInput(t, env)
	in.LeadAgencyID, in.LeadAgencySlug, in.OperationDate = "", "th-msdhs-sakaeo", bangkokDay(0)
	in.Latitude, in.Longitude, in.Notes = nil, nil, ""
	v, err := svc.Create(ctx, a, in)
	if err != nil || v.Operation.LeadAgencyID != a.AgencyID || v.Operation.NotesEnc != nil || v.LeadAgency.Slug != "th-msdhs-sakaeo" {
		t.Fatalf("create by slug: %+v %v", v, err)
	}
	var count int64
	st, _ := env.App.Stores.For("TH")
	st.DB.Raw(`SELECT count(*) FROM operations`).Scan(&count)
	if count != 3 {
		t.Fatalf("%d operations, want the 2 demo ones and 1 valid", count)
	}
}
