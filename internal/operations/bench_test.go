package operations_test

import (
	"context"
	"fmt"
	"testing"

	"homeward/internal/apptest"
	"homeward/internal/operations"
)

// BenchmarkList lists one page of 50 operations with each row's count of the persons the
// caseworker may see, audit row included, over the demo data plus 500 more operations.
func BenchmarkList(b *testing.B) {
	env := apptest.New(b)
	ctx := context.Background()
	svc := service(env)
	a := env.Actor(b, thWorker)
	in := validInput(b, env)
	for i := range 500 {
		in.Name = fmt.Sprintf("Operation %d", i)
		in.OperationDate = fixedNow.AddDate(0, 0, -i%400).Format("2006-01-02")
		if _, err := svc.Create(ctx, a, in); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		page, err := svc.List(ctx, a, operations.PageQuery{Limit: 50})
		if err != nil || len(page.Items) != 50 {
			b.Fatalf("list: %d rows, %v", len(page.Items), err)
		}
	}
}

// BenchmarkGet reads the demo's older operation with the first page of its persons.
func BenchmarkGet(b *testing.B) {
	env := apptest.New(b)
	ctx := context.Background()
	svc := service(env)
	a := env.Actor(b, thWorker)
	page, err := svc.List(ctx, a, operations.PageQuery{})
	if err != nil || len(page.Items) == 0 {
		b.Fatalf("list: %v", err)
	}
	id := page.Items[len(page.Items)-1].ID
	b.ReportAllocs()
	for b.Loop() {
		if _, err := svc.Get(ctx, a, id, operations.PageQuery{}); err != nil {
			b.Fatal(err)
		}
	}
}
