package exchange_test

import (
	"context"
	"sort"
	"testing"
	"time"

	"homeward/internal/consent"
	"homeward/internal/exchange"
)

// BenchmarkRelayLag measures how long a step's outbox row waits before the other database has
// applied it (done_at - created_at), at 1,000 packet steps a minute: each iteration prepares and
// approves 50 packets (100 steps, one every 60 ms: a prepare goes store -> hub, an approval hub ->
// store) while the relay worker runs beside them. Target: p95 under 1 s.
func BenchmarkRelayLag(b *testing.B) {
	relayLag(b, func(f *fixture, work context.Context) func() {
		go f.x.RunRelay(work, 0)
		return func() {}
	})
}

// BenchmarkRelayLagRiver is BenchmarkRelayLag with the server's River jobs (internal/jobs) in place
// of the relay goroutine: the fast path after each commit, and the periodic relay job behind it.
func BenchmarkRelayLagRiver(b *testing.B) {
	relayLag(b, func(f *fixture, work context.Context) func() {
		if err := f.env.App.StartJobs(work); err != nil {
			b.Fatal(err)
		}
		return func() {
			if err := f.env.App.Jobs.Stop(context.Background()); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// relayLag runs the lag benchmark with the relay that startRelay starts (and whose returned func stops it).
func relayLag(b *testing.B, startRelay func(f *fixture, work context.Context) func()) {
	f := newFixture(b)
	c := f.newCase(b, khWorker, "TH")
	f.consent(b, khWorker, c.ID, consent.PurposeShareEmbassy, consent.AnswerGiven)
	cw, sup := f.actor(b, khWorker), f.actor(b, khSupervisor)
	work, stop := context.WithCancel(ctx)
	defer stop()
	stopRelay := startRelay(f, work)
	const pace = 60 * time.Millisecond // 1,000 steps a minute
	start := time.Now()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for j := 0; j < 50; j++ {
			p, err := f.x.Prepare(ctx, cw, c.ID, repatriation("th-embassy-pnh", "given_name"))
			if err != nil {
				b.Fatal(err)
			}
			time.Sleep(pace)
			if _, err := f.x.Approve(ctx, sup, p.ID, 0); err != nil {
				b.Fatal(err)
			}
			time.Sleep(pace)
		}
	}
	b.StopTimer()
	stop()
	stopRelay()
	if err := f.x.RelayAll(ctx); err != nil {
		b.Fatal(err)
	}
	var lags []float64
	for _, db := range []string{"hub", "KH"} {
		q := f.env.App.Hub
		if db != "hub" {
			q = f.store(b, db)
		}
		var ms []float64
		if err := q.Raw(`SELECT extract(epoch FROM done_at - created_at) * 1000 FROM outbox WHERE created_at >= ? AND done_at IS NOT NULL`,
			start).Scan(&ms).Error; err != nil {
			b.Fatal(err)
		}
		lags = append(lags, ms...)
	}
	if len(lags) < 100*b.N {
		b.Fatalf("%d outbox rows delivered, want %d", len(lags), 100*b.N)
	}
	sort.Float64s(lags)
	p95 := lags[len(lags)*95/100]
	b.ReportMetric(p95, "p95-lag-ms")
	b.ReportMetric(lags[len(lags)-1], "max-lag-ms")
	if p95 >= 1000 {
		b.Errorf("relay lag p95 = %.0f ms, want under 1 s", p95)
	}
}

var _ = exchange.RelayInterval
