package jobs_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"

	"homeward/internal/apptest"
	"homeward/internal/jobs"
)

// BenchmarkJobLatency measures the time from a job's insert (by another client, as a second server
// would) to its completion by a started runner, with the periodic jobs running: an audit_seal job
// of TH, which seals what is committed. It reports the 95th percentile.
func BenchmarkJobLatency(b *testing.B) {
	env := apptest.New(b)
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, env.Cfg.StoreDSNs["TH"])
	if err != nil {
		b.Fatal(err)
	}
	defer pool.Close()
	dbs := []jobs.Database{{Name: "TH", Pool: pool}}
	r, err := jobs.New(dbs, jobs.Work{Exchange: env.App.Exchange, Sealer: env.App.Sealer}, jobs.Options{})
	if err != nil {
		b.Fatal(err)
	}
	if err := r.Start(ctx); err != nil {
		b.Fatal(err)
	}
	defer r.Stop(ctx)
	inserter, err := river.NewClient(riverpgxv5.New(pool), &river.Config{})
	if err != nil {
		b.Fatal(err)
	}
	run := func() error {
		res, err := inserter.Insert(ctx, jobs.SealArgs{DB: "TH"}, nil)
		if err != nil {
			return err
		}
		for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(2 * time.Millisecond) {
			var state string
			if err := pool.QueryRow(ctx, `SELECT state FROM river_job WHERE id = $1`, res.Job.ID).Scan(&state); err != nil {
				return err
			}
			if state == "completed" {
				return nil
			}
		}
		return fmt.Errorf("job %d not completed in 30 s", res.Job.ID)
	}
	b.ResetTimer()
	for b.Loop() {
		if err := run(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(apptest.P95(b, 50, run).Microseconds())/1000, "p95-ms")
}
