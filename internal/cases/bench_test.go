package cases_test

import (
	"context"
	"fmt"
	"testing"

	"homeward/internal/apptest"
	"homeward/internal/cases"
)

// BenchmarkCaseListPage lists one page of 50 cases with the caseworker's scope, audit row included,
// over the demo data plus 2,000 more cases of the agency.
func BenchmarkCaseListPage(b *testing.B) {
	env := apptest.New(b)
	ctx := context.Background()
	a := env.Actor(b, thWorker)
	age := 30
	for i := range 2000 {
		if _, _, err := env.App.Cases.Intake(ctx, a, cases.IntakeInput{GivenName: fmt.Sprintf("Person %d", i), Sex: "female",
			AgeEstimate: &age, Nationality: "KH"}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		page, err := env.App.Cases.List(ctx, a, cases.ListQuery{Limit: 50})
		if err != nil || len(page.Items) != 50 {
			b.Fatalf("list: %d rows, %v", len(page.Items), err)
		}
	}
}

// BenchmarkIntake registers one person: validation, sealing, blind index, insert and audit.
func BenchmarkIntake(b *testing.B) {
	env := apptest.New(b)
	ctx := context.Background()
	a := env.Actor(b, thWorker)
	age := 30
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, _, err := env.App.Cases.Intake(ctx, a, cases.IntakeInput{GivenName: "Sokha", FamilyName: "Chan", Sex: "female",
			AgeEstimate: &age, Nationality: "KH", DocumentNumber: "N0123456", Contact: "+855 12 345 678"}); err != nil {
			b.Fatal(err)
		}
	}
}
