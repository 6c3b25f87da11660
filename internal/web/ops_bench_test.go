package web_test

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"homeward/internal/apptest"
	"homeward/internal/config"
	"homeward/internal/logging"
)

// BenchmarkMetricsOverhead times the same request on two servers over the same databases, one
// with the metrics middleware counting (HOMEWARD_METRICS_ADDR set) and one without, interleaved in
// the same run (ABBA order, so drift and caches fall on both alike). It reports the median of each
// and the overhead in percent (target: under 5 %). Both write the access log, to a discarded
// JSON handler. The handlers are called directly (no socket), so the difference is the server's.
func BenchmarkMetricsOverhead(b *testing.B) {
	prev := slog.Default()
	slog.SetDefault(logging.New(io.Discard, "json", slog.LevelInfo))
	b.Cleanup(func() { slog.SetDefault(prev) })
	env := apptest.New(b)
	with, _ := opsApp(b, env, func(c *config.Config) { c.Ops.MetricsAddr = "127.0.0.1:0" })
	without, _ := opsApp(b, env, func(c *config.Config) {})
	if with.Metrics == nil || without.Metrics != nil {
		b.Fatal("metrics should be on in one server only")
	}
	token := env.Token(b, thWorker)
	for _, bc := range []struct{ name, path string }{
		{"cases_api_limit50", "/api/v1/cases?limit=50"},
		{"healthz", "/healthz"},
	} {
		b.Run(bc.name, func(b *testing.B) {
			call := func(h http.Handler) time.Duration {
				req := httptest.NewRequest(http.MethodGet, bc.path, nil)
				req.Header.Set("Authorization", "Bearer "+token)
				rec := httptest.NewRecorder()
				start := time.Now()
				h.ServeHTTP(rec, req)
				d := time.Since(start)
				if rec.Code != http.StatusOK {
					b.Fatalf("GET %s = %d", bc.path, rec.Code)
				}
				return d
			}
			hw, hn := with.Server.Handler(), without.Server.Handler()
			for range 5 { // warm both: pools, caches
				call(hw)
				call(hn)
			}
			var dw, dn []time.Duration
			b.ResetTimer()
			for i := 0; b.Loop(); i++ {
				if i%2 == 0 {
					dn, dw = append(dn, call(hn)), append(dw, call(hw))
				} else {
					dw, dn = append(dw, call(hw)), append(dn, call(hn))
				}
			}
			b.StopTimer()
			mw, mn := median(dw), median(dn)
			overhead := 100 * (float64(mw) - float64(mn)) / float64(mn)
			b.ReportMetric(float64(mn.Nanoseconds()), "ns-median-without")
			b.ReportMetric(float64(mw.Nanoseconds()), "ns-median-with")
			b.ReportMetric(overhead, "overhead-%")
			b.Logf("%s: median without metrics %v, with %v, overhead %.2f %% (%d pairs)", bc.path, mn, mw, overhead, len(dw))
		})
	}
}

// median of ds (sorted in place).
func median(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	slices.Sort(ds)
	return ds[len(ds)/2]
}
