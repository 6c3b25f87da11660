// Package jobs runs Homeward's background work as River jobs (github.com/riverqueue/river), each
// database's in that database: the outbox relay of the hub and of every store, the expiry of
// packets (hub), the stores' sync of replies and revocations, the audit sealer of every database
// the publication of the audit heads (hub), and each store's record linkage: publishing its changed
// encodings to the hub and encoding the persons without one (crossmatch).
//
// Every database (the hub, each store) has its own River client over its own tables
// (internal/provision/river.go), with periodic jobs that are unique per database and per period:
// however many `homeward serve` processes run, the leader of a database's clients enqueues one job
// a period, and one process works it. A job that fails is retried after a backoff (Backoff) up to
// MaxAttempts times, then kept as discarded: the country admin's page /admin/jobs lists them
// (Failed). Steps are still relayed right after their commit by the exchange itself (the fast
// path); the relay job delivers what a crash or a failure left in an outbox.
package jobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivertype"

	"homeward/internal/audit"
	"homeward/internal/crossmatch"
	"homeward/internal/exchange"
	"homeward/internal/notify"
)

// HubName is the hub's database name in jobs' arguments (a store's is its country code).
const HubName = "hub"

// Intervals are how often each periodic job is enqueued.
type Intervals struct {
	Relay, Seal, Anchor, Expire, Sync time.Duration
	// Publish and Encode are the record linkage's (stores only, when Work.Linkage is set).
	Publish, Encode time.Duration
	// NotifyScan and NotifyDaily are the periods of the digest jobs (notify.go); zero takes the default.
	NotifyScan, NotifyDaily time.Duration
}

// DefaultIntervals are the periods `homeward serve` uses.
var DefaultIntervals = Intervals{Relay: 2 * time.Second, Seal: 2 * time.Second, Anchor: audit.AnchorInterval,
	Expire: exchange.WorkerInterval, Sync: exchange.WorkerInterval,
	Publish: crossmatch.WorkerInterval, Encode: crossmatch.ReencodeInterval,
	NotifyScan: time.Minute, NotifyDaily: time.Hour}

// withDefaults fills each period left zero with its default.
func (iv Intervals) withDefaults() Intervals {
	d := DefaultIntervals
	for _, p := range []struct{ v, def *time.Duration }{{&iv.Relay, &d.Relay}, {&iv.Seal, &d.Seal}, {&iv.Anchor, &d.Anchor},
		{&iv.Expire, &d.Expire}, {&iv.Sync, &d.Sync}, {&iv.Publish, &d.Publish}, {&iv.Encode, &d.Encode},
		{&iv.NotifyScan, &d.NotifyScan}, {&iv.NotifyDaily, &d.NotifyDaily}} {
		if *p.v <= 0 {
			*p.v = *p.def
		}
	}
	return iv
}

// MaxAttempts is how many times a job runs before it is discarded (listed as failed).
const MaxAttempts = 5

// Backoff is the wait before the attempt after attempt (1-based): 1 s, doubling, at most a minute.
func Backoff(attempt int) time.Duration {
	return min(time.Second<<min(max(attempt-1, 0), 6), time.Minute)
}

// Database is one database whose jobs a Runner works: "hub" or a country code, and a pool of its
// app role.
type Database struct {
	Name string
	Pool *pgxpool.Pool
}

// Work is what the jobs call.
type Work struct {
	Exchange *exchange.Service
	Sealer   *audit.Sealer
	// Linkage, when set, publishes and encodes each store's record-linkage encodings
	// (LinkagePublishArgs, LinkageEncodeArgs).
	Linkage *crossmatch.Service
	// Notify sends the e-mail digests; nil when no SMTP server is configured (no digest job runs).
	Notify *notify.Service
	// OnRun, when set, is told every run's kind and result (the metrics' job runs).
	OnRun func(kind string, err error)
}

// Options tune New; zero values take the defaults.
type Options struct {
	Intervals   Intervals
	MaxAttempts int
	// Logger receives River's own log lines (warnings and errors only by default).
	Logger *slog.Logger
}

// Runner holds one River client per database.
type Runner struct {
	clients map[string]*river.Client[pgx.Tx]
	order   []string
	started []string
	opt     Options
}

// New builds the clients of dbs (not started: Start). Building connects to nothing.
func New(dbs []Database, w Work, opt Options) (*Runner, error) {
	opt.Intervals = opt.Intervals.withDefaults()
	if opt.MaxAttempts <= 0 {
		opt.MaxAttempts = MaxAttempts
	}
	if opt.Logger == nil {
		opt.Logger = slog.New(warnOnly{slog.Default().Handler()})
	}
	r := &Runner{clients: map[string]*river.Client[pgx.Tx]{}, opt: opt}
	workers := w.workers()
	w.notifyWorkers(workers, opt.MaxAttempts)
	for _, d := range dbs {
		c, err := river.NewClient(riverpgxv5.New(d.Pool), &river.Config{
			Queues:                      map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: 2}},
			Workers:                     workers,
			PeriodicJobs:                periodic(d.Name, opt.Intervals, opt.MaxAttempts, w.Linkage != nil, w.Notify != nil),
			MaxAttempts:                 opt.MaxAttempts,
			CompletedJobRetentionPeriod: time.Hour, // a periodic job is a row a period: keep an hour
			Logger:                      opt.Logger,
		})
		if err != nil {
			return nil, fmt.Errorf("jobs: %s: %w", d.Name, err)
		}
		r.clients[d.Name] = c
		r.order = append(r.order, d.Name)
	}
	return r, nil
}

// Start starts every database's client; they run until Stop.
func (r *Runner) Start(ctx context.Context) error {
	for _, name := range r.order {
		if err := r.clients[name].Start(context.WithoutCancel(ctx)); err != nil {
			return errors.Join(fmt.Errorf("jobs: start %s: %w", name, err), r.Stop(ctx))
		}
		r.started = append(r.started, name)
	}
	return nil
}

// Stop stops the started clients, letting running jobs end (10 s at most, then they are
// cancelled). Stopping a runner never started does nothing.
func (r *Runner) Stop(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	var errs []error
	for _, name := range r.started {
		if err := r.clients[name].Stop(ctx); err != nil {
			errs = append(errs, r.clients[name].StopAndCancel(context.Background()))
		}
	}
	r.started = nil
	return errors.Join(errs...)
}

// Enqueue inserts a job into database db's queue now, unique like the periodic ones: a job of the
// same kind and arguments already enqueued in the same period is not inserted again
// (JobInsertResult.UniqueSkippedAsDuplicate).
func (r *Runner) Enqueue(ctx context.Context, db string, args river.JobArgs) (*rivertype.JobInsertResult, error) {
	c, ok := r.clients[db]
	if !ok {
		return nil, fmt.Errorf("jobs: no database %q", db)
	}
	return c.Insert(ctx, args, uniqueOpts(r.opt.Intervals.period(args.Kind()), r.opt.MaxAttempts))
}

// warnOnly passes on River's warnings and errors (it logs every start and stop at info).
type warnOnly struct{ slog.Handler }

func (w warnOnly) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= slog.LevelWarn && w.Handler.Enabled(ctx, l)
}

func (w warnOnly) WithAttrs(as []slog.Attr) slog.Handler { return warnOnly{w.Handler.WithAttrs(as)} }

func (w warnOnly) WithGroup(name string) slog.Handler { return warnOnly{w.Handler.WithGroup(name)} }
