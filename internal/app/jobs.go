package app

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/jackc/pgx/v5/pgxpool"

	"homeward/internal/config"
	"homeward/internal/jobs"
)

// jobPoolConns is the size of each database's pool for its River client (fetching, leader
// election, the notifications listener and two workers).
const jobPoolConns = 5

// openJobs builds the River clients of the hub and every store (internal/jobs), each on its own
// small pool of the database's app role; StartJobs starts them, Close stops them.
func (a *App) openJobs(ctx context.Context, cfg config.Config) error {
	dsns := map[string]string{jobs.HubName: cfg.HubDSN}
	names := []string{jobs.HubName}
	for _, cc := range cfg.Countries() {
		dsns[cc] = cfg.StoreDSNs[cc]
		names = append(names, cc)
	}
	var dbs []jobs.Database
	for _, name := range names {
		pc, err := pgxpool.ParseConfig(dsns[name])
		if err != nil {
			return fmt.Errorf("jobs: %s: %w", name, err)
		}
		pc.MaxConns = jobPoolConns
		pool, err := pgxpool.NewWithConfig(ctx, pc)
		if err != nil {
			return fmt.Errorf("jobs: %s: %w", name, err)
		}
		a.jobPools = append(a.jobPools, pool)
		dbs = append(dbs, jobs.Database{Name: name, Pool: pool})
	}
	var err error
	// Every run is counted in homeward_job_runs_total when metrics are on (ops.go sets a.Metrics).
	onRun := func(kind string, err error) {
		if a.Metrics != nil {
			a.Metrics.JobRun(kind, err)
		}
	}
	a.Jobs, err = jobs.New(dbs, jobs.Work{Exchange: a.Exchange, Sealer: a.Sealer, Linkage: a.Linkage, Notify: a.Notify, OnRun: onRun}, jobs.Options{})
	return err
}

// StartJobs starts the background jobs (`homeward serve` and `homeward dev`); Close stops them.
func (a *App) StartJobs(ctx context.Context) error { return a.Jobs.Start(ctx) }

// closeJobs stops the jobs (a running job ends first) and closes their pools.
func (a *App) closeJobs() {
	if a.Jobs != nil {
		if err := a.Jobs.Stop(context.Background()); err != nil {
			slog.Warn("jobs: stop", "err", err)
		}
	}
	for _, p := range a.jobPools {
		p.Close()
	}
}
