package dashboard_test

import (
	"context"
	"flag"
	"strings"
	"testing"

	"gorm.io/gorm"

	"homeward/internal/apptest"
	"homeward/internal/dashboard"
)

// scalePersons is the size of the store the 1M dashboard benchmarks run over (-dash.persons: a
// smaller store, to try the benchmarks quickly).
var scalePersons = flag.Int("dash.persons", 1_000_000, "persons the 1M dashboard benchmarks add to the store")

// benchDashboard times the dashboard of user over a store of a million more persons (fillStore):
// ns/op, and p95-ms of 200 calls after a warm-up.
func benchDashboard(b *testing.B, user string, check func(*testing.B, *dashboard.Dashboard)) {
	env := fillStore(b, *scalePersons)
	ctx := context.Background()
	a := env.Actor(b, user)
	svc := dashboard.New(env.App.Hub, env.App.Stores, nil)
	d, err := svc.For(ctx, a)
	if err != nil {
		b.Fatal(err)
	}
	check(b, d)
	if testing.Verbose() { // the plans of one dashboard's store queries, executed
		svc.WithTrace(func(tx *gorm.DB, sql string, args []any) { explain(b, tx, sql, args) })
		if _, err := svc.For(ctx, a); err != nil {
			b.Fatal(err)
		}
		svc.WithTrace(nil)
	}
	call := func() error { _, err := svc.For(ctx, a); return err }
	for range 20 {
		if err := call(); err != nil {
			b.Fatal(err)
		}
	}
	p := apptest.P95(b, 200, call)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if err := call(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(p.Microseconds())/1000, "p95-ms")
}

// explain logs the executed plan of sql.
func explain(b *testing.B, tx *gorm.DB, sql string, args []any) {
	var lines []string
	if err := tx.Raw("EXPLAIN (ANALYZE, BUFFERS) "+sql, args...).Scan(&lines).Error; err != nil {
		b.Fatalf("explain %s: %v", sql, err)
	}
	b.Logf("%s\n%s", sql, strings.Join(lines, "\n"))
}

// casesSeen is the total of the caseworker panel's stages.
func casesSeen(d *dashboard.Dashboard) int {
	n := 0
	for _, s := range d.Caseworker.ByStage {
		n += s.Total
	}
	return n
}

// BenchmarkCaseworkerDashboard1M computes the caseworker's dashboard (cases by stage from the
// summary, every task list, the audit row) in a store of a million more persons (issue 12: p95 < 50 ms).
func BenchmarkCaseworkerDashboard1M(b *testing.B) {
	benchDashboard(b, thWorker, func(b *testing.B, d *dashboard.Dashboard) {
		if d.Caseworker == nil || casesSeen(d) < *scalePersons/2 || d.Caseworker.Screenings.Total == 0 {
			b.Fatalf("caseworker dashboard over the filled store: %+v", d.Caseworker)
		}
	})
}

// BenchmarkSupervisorDashboard1M computes the welfare supervisor's dashboard (the caseworker panel
// and the approvals waiting: decisions, packets, closures, overdue visits) in the same store.
func BenchmarkSupervisorDashboard1M(b *testing.B) {
	benchDashboard(b, thSupervisor, func(b *testing.B, d *dashboard.Dashboard) {
		if d.Supervisor == nil || d.Supervisor.Decisions == nil || d.Supervisor.Decisions.Total == 0 || casesSeen(d) < *scalePersons/2 {
			b.Fatalf("supervisor dashboard over the filled store: %+v", d.Supervisor)
		}
	})
}
