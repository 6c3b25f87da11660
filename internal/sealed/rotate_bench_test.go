package sealed_test

import (
	"context"
	"fmt"
	"testing"

	"homeward/internal/apptest"
	"homeward/internal/cases"
	"homeward/internal/sealed"
)

// BenchmarkKeyRotate measures the re-sealing rate of `homeward keys rotate` (rows/s: sealed values
// opened, sealed under the new key and written back, BatchSize per transaction) on the TH demo
// store, and on the demo store with extra persons (each with a document number and a contact).
func BenchmarkKeyRotate(b *testing.B) {
	for _, extra := range []int{0, 2_000} {
		b.Run(fmt.Sprintf("extra_persons=%d", extra), func(b *testing.B) {
			env := apptest.New(b)
			ctx := context.Background()
			if extra > 0 {
				addPersons(b, env, extra)
			}
			db, m := ownerStore(b, env, "TH")
			var total int64
			b.ResetTimer()
			for b.Loop() {
				r, err := sealed.Rotate(ctx, db, m, "TH")
				if err != nil || !r.Finished {
					b.Fatalf("rotate: %+v, %v", r, err)
				}
				total += r.Resealed
			}
			b.ReportMetric(float64(total)/b.Elapsed().Seconds(), "rows/s")
			b.ReportMetric(float64(total)/float64(b.N), "rows/op")
		})
	}
}

// addPersons registers n persons through the case service, 500 per call.
func addPersons(b *testing.B, env *apptest.Env, n int) {
	b.Helper()
	w := env.Actor(b, thWorker)
	for i := 0; i < n; i += 500 {
		batch := make([]cases.IntakeInput, 0, 500)
		for j := i; j < min(n, i+500); j++ {
			batch = append(batch, cases.IntakeInput{GivenName: fmt.Sprintf("Bench%d", j), FamilyName: "Rotate", Sex: "female",
				BirthDate: "1998-04-05", Nationality: "KH", DocumentNumber: fmt.Sprintf("N%07d", j), Contact: fmt.Sprintf("+855 10 %06d", j)})
		}
		if _, err := env.App.Cases.IntakeBatch(context.Background(), w, batch); err != nil {
			b.Fatalf("add persons: %v", err)
		}
	}
}
