package seedscale_test

import (
	"context"
	"fmt"
	"os"
	"testing"

	"homeward/internal/apptest"
	"homeward/internal/seedscale"
	"homeward/internal/testdb"
)

// BenchmarkFill fills a fresh demo TH store with 100,000 and with 1,000,000 persons (everything of
// a fill: COPY, index rebuild, summaries, VACUUM ANALYZE) and reports persons/s (target ≥ 50,000).
func BenchmarkFill(b *testing.B) {
	for _, n := range []int{100_000, 1_000_000} {
		b.Run(fmt.Sprintf("persons=%d", n), func(b *testing.B) {
			ctx := context.Background()
			var last seedscale.Stats
			for b.Loop() {
				b.StopTimer()
				env := apptest.New(b)
				dir, err := seedscale.DirectoryFromHub(ctx, env.App.Hub, "TH")
				if err != nil {
					b.Fatal(err)
				}
				st, err := env.App.Stores.For("TH")
				if err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				last, err = seedscale.Fill(ctx, testdb.DSN(b, env.Databases["TH"]), st.Keys, dir,
					seedscale.Options{Persons: n, Analyze: true})
				if err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(last.Rate(), "persons/s")
			b.ReportMetric(float64(last.Rows["audit_log"])/float64(n), "audit-rows/person")
			// To stderr: the benchmark log cuts long output.
			fmt.Fprintf(os.Stderr, "%d persons in %s: %v; phases:\n%s", n, last.Elapsed, last.Rows, last.PhaseReport())
		})
	}
}
