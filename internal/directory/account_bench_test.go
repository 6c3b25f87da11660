package directory_test

import (
	"context"
	"testing"

	"homeward/internal/apptest"
)

// BenchmarkSessionCheck measures the per-request session liveness check (SessionLive: one indexed
// read of the session's row; last_seen_at is written at most once a minute) and reports its p95.
func BenchmarkSessionCheck(b *testing.B) {
	env := apptest.New(b)
	ctx := context.Background()
	dir := env.App.Directory
	a := env.Actor(b, "caseworker@th-msdhs-sakaeo.demo")
	ids := make([]string, 1000)
	for i := range ids {
		id, err := dir.StartSession(ctx, a.UserID, a.AgencyID, "Mozilla/5.0 (Linux; Android 14) Chrome/130.0", "127.0.0.1")
		if err != nil {
			b.Fatal(err)
		}
		ids[i] = id
	}
	check := func(i int) error {
		live, err := dir.SessionLive(ctx, a.UserID, ids[i%len(ids)])
		if err == nil && !live {
			b.Fatal("a live session reported ended")
		}
		return err
	}
	i := 0
	p95 := apptest.P95(b, 500, func() error { i++; return check(i) })
	b.ResetTimer()
	for n := 0; n < b.N; n++ {
		if err := check(n); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(p95.Microseconds())/1000, "p95_ms")
}
