package imports_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"homeward/internal/apptest"
	"homeward/internal/authz"
	"homeward/internal/imports"
)

const (
	thWorker  = "caseworker@th-msdhs-sakaeo.demo"
	thPolice  = "investigator@th-pct.demo"
	thAuditor = "auditor@th-msdhs-sakaeo.demo"
	thAnalyst = "analyst@th-msdhs-sakaeo.demo"
	khWorker  = "caseworker@kh-mosvy-poipet.demo"
	embassy   = "embassy_officer@th-embassy-pnh.demo"
)

// operationID returns a demo rescue operation of a store.
func operationID(t testing.TB, env *apptest.Env, country string) string {
	t.Helper()
	st, err := env.App.Stores.For(country)
	if err != nil {
		t.Fatal(err)
	}
	var id string
	if err := st.DB.Raw(`SELECT id FROM operations ORDER BY operation_date, id LIMIT 1`).Scan(&id).Error; err != nil || id == "" {
		t.Fatalf("no operation in %s: %v", country, err)
	}
	return id
}

// personsOf counts the persons an operation brought in.
func personsOf(t testing.TB, env *apptest.Env, country, op string) int {
	t.Helper()
	st, _ := env.App.Stores.For(country)
	var n int
	if err := st.DB.Raw(`SELECT count(*) FROM persons WHERE operation_id = ?`, op).Scan(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}

// csvRows is a template file (English header) with n valid, distinct persons.
func csvRows(n int) []byte {
	var b strings.Builder
	b.WriteString(enHeader + "\n")
	for i := range n {
		fmt.Fprintf(&b, "Person %d,Import,%s,,%d,KH,km,IMP%06d,+855 12 000 %03d,\n", i, []string{"female", "male"}[i%2], 18+i%50, i, i%1000)
	}
	return []byte(b.String())
}

func TestImportDryRunThenCommit(t *testing.T) {
	env := apptest.New(t)
	ctx := context.Background()
	svc := imports.New(env.App.Stores, env.App.Cases)
	a := env.Actor(t, thWorker)
	op := operationID(t, env, "TH")
	before := personsOf(t, env, "TH", op)
	file := csvRows(3)

	rep, err := svc.Import(ctx, a, op, file, true)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Rows != 3 || rep.Created != 0 || len(rep.Errors) != 0 || !rep.DryRun {
		t.Fatalf("dry run report = %+v", rep)
	}
	if n := personsOf(t, env, "TH", op); n != before {
		t.Fatalf("a dry run registered %d persons", n-before)
	}

	rep, err = svc.Import(ctx, a, op, file, false)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Created != 3 || len(rep.CaseIDs) != 3 || len(rep.Errors) != 0 {
		t.Fatalf("commit report = %+v", rep)
	}
	if n := personsOf(t, env, "TH", op); n != before+3 {
		t.Fatalf("persons of the operation: %d, want %d", n, before+3)
	}
	v, err := env.App.Cases.Get(ctx, a, rep.CaseIDs[1])
	if err != nil {
		t.Fatal(err)
	}
	if id := v.Identity; id == nil || id.GivenName != "Person 1" || id.DocumentNumber != "IMP000001" || id.Contact != "+855 12 000 001" {
		t.Errorf("imported identity = %+v", v.Identity)
	}
}

func TestImportWithErrorsCreatesNothing(t *testing.T) {
	env := apptest.New(t)
	ctx := context.Background()
	svc := imports.New(env.App.Stores, env.App.Cases)
	op := operationID(t, env, "TH")
	before := personsOf(t, env, "TH", op)
	long := strings.Repeat("x", 201)
	file := enHeader + "\n" +
		"Sokha,Chan,female,,30,KH,,,,\n" + // row 2: fine
		",Chan,female,,30,KH,,,,\n" + // row 3: cells but no name
		",,,,,,,,,\n" + // row 4: empty, skipped
		"Dara,,male,2099-01-01,,KH,,,,\n" + // row 5: birth date in the future
		"Vanna,,male,,,KH,,,,\n" + // row 6: neither birth date nor age
		long + ",,female,,30,,,,,\n" // row 7: name too long, no nationality
	for _, dry := range []bool{true, false} {
		rep, err := svc.Import(ctx, env.Actor(t, thWorker), op, []byte(file), dry)
		if err != nil {
			t.Fatal(err)
		}
		want := []problem{
			{3, "Given name", "form.error.required"},
			{5, "Date of birth (YYYY-MM-DD)", "form.error.date_range"},
			{6, "Date of birth (YYYY-MM-DD)", "intake.error.birth_or_age"},
			{7, "Given name", "form.error.too_long"},
			{7, "Nationality (country code)", "form.error.country"},
		}
		if d := cmp.Diff(want, problems(rep.Errors)); d != "" {
			t.Errorf("dry run %v: errors (-want +got):\n%s", dry, d)
		}
		if rep.Rows != 5 || rep.Created != 0 {
			t.Errorf("dry run %v: rows %d created %d, want 5 and 0", dry, rep.Rows, rep.Created)
		}
	}
	if n := personsOf(t, env, "TH", op); n != before {
		t.Fatalf("an import with errors registered %d persons", n-before)
	}
}

func TestImportRefused(t *testing.T) {
	env := apptest.New(t)
	ctx := context.Background()
	svc := imports.New(env.App.Stores, env.App.Cases)
	thOp, khOp := operationID(t, env, "TH"), operationID(t, env, "KH")
	tests := []struct {
		name, email, op string
	}{
		{"another store's operation", khWorker, thOp},
		{"another store's operation, other way", thWorker, khOp},
		{"no such operation", thWorker, "00000000-0000-7000-8000-000000000000"},
		{"not an id", thWorker, "../../etc"},
		{"auditor: no case content", thAuditor, thOp},
		{"analyst", thAnalyst, thOp},
		{"embassy: no store", embassy, thOp},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, dry := range []bool{true, false} {
				_, err := svc.Import(ctx, env.Actor(t, tt.email), tt.op, csvRows(1), dry)
				if !errors.Is(err, authz.ErrNotFound) {
					t.Errorf("dry run %v: err = %v, want not found", dry, err)
				}
			}
		})
	}
	// The police take part in rescues: an investigator of the store imports too.
	if _, err := svc.Import(ctx, env.Actor(t, thPolice), thOp, csvRows(1), true); err != nil {
		t.Errorf("investigator: %v", err)
	}
}

func TestImportReportsPossibleDuplicates(t *testing.T) {
	env := apptest.New(t)
	ctx := context.Background()
	svc := imports.New(env.App.Stores, env.App.Cases)
	a := env.Actor(t, thWorker)
	op := operationID(t, env, "TH")
	first := enHeader + "\nSokha,Chan,female,1999-04-12,,KH,,N0123456,,\n"
	if rep, err := svc.Import(ctx, a, op, []byte(first), false); err != nil || rep.Created != 1 {
		t.Fatalf("first import: %v %+v", err, rep)
	}
	file := enHeader + "\n" +
		"Dara,Kim,male,1990-01-01,,KH,,N 012-3456,,\n" + // row 2: the document of the person registered above
		"Vanna,Sok,female,,40,KH,,,,\n" + // row 3
		"Vana,Sok,female,,40,KH,,,,\n" // row 4: row 3 again, spelt differently
	rep, err := svc.Import(ctx, a, op, []byte(file), true)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Errors) > 0 {
		t.Fatalf("errors: %+v", rep.Errors)
	}
	want := []problem{
		{2, "Identity document number", "imports.warning.dup_document"},
		{3, "Given name", "imports.warning.same_person"}, // each of the two rows names the other
		{4, "Given name", "imports.warning.same_person"},
	}
	if d := cmp.Diff(want, problems(rep.Warnings)); d != "" {
		t.Errorf("warnings (-want +got):\n%s", d)
	}
	if len(rep.Duplicates) != 1 || rep.Duplicates[0].Row != 2 || rep.Duplicates[0].Reason != "document" || rep.Duplicates[0].PersonID == "" {
		t.Errorf("duplicates = %+v", rep.Duplicates)
	}
}
