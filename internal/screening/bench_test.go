package screening_test

import (
	"context"
	"testing"

	"homeward/internal/cases"
	"homeward/internal/screening"
)

// BenchmarkGet reads the screening section of a case: scope check, the interview, 18 indicators, the
// timeline, two proposals, every sealed field opened, and the audit row.
func BenchmarkGet(b *testing.B) {
	f := newFixture(b, cases.StageIdentification)
	ctx := context.Background()
	d := f.propose(b, thWorker, "identified")
	if _, err := f.svc.Return(ctx, f.actor(b, thSupervisor), d.ID, screening.ReviewInput{Version: d.Version, Comment: "Ask about the debt."}); err != nil {
		b.Fatal(err)
	}
	f.propose(b, thWorker, "identified")
	a := f.actor(b, thWorker)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		v, err := f.svc.Get(ctx, a, f.c.ID)
		if err != nil || v.Screening == nil || len(v.Decisions) != 2 {
			b.Fatalf("get: %+v, %v", v, err)
		}
	}
}
