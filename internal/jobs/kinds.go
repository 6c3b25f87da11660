package jobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/riverqueue/river"
)

// The kinds of jobs. Each names the database it works on (DB: "hub" or a country code) and is
// enqueued in that database's queue.

// RelayArgs delivers the due outbox rows of DB (exchange.Service.Relay).
type RelayArgs struct {
	DB string `json:"db"`
}

// Kind names the job kind.
func (RelayArgs) Kind() string { return "relay" }

// SealArgs chains the committed audit rows of DB (audit.Sealer.Seal).
type SealArgs struct {
	DB string `json:"db"`
}

// Kind names the job kind.
func (SealArgs) Kind() string { return "audit_seal" }

// AnchorArgs publishes every store's audit head into the hub and the hub's into every store (hub).
type AnchorArgs struct{}

// Kind names the job kind.
func (AnchorArgs) Kind() string { return "audit_anchor" }

// ExpireArgs expires the packets past their expiry (hub).
type ExpireArgs struct{}

// Kind names the job kind.
func (ExpireArgs) Kind() string { return "packet_expire" }

// SyncArgs revokes what a store's consent answers and closed cases no longer allow, and applies
// the replies waiting for its agencies (exchange.Service.Sync).
type SyncArgs struct {
	DB string `json:"db"`
}

// Kind names the job kind.
func (SyncArgs) Kind() string { return "store_sync" }

// LinkagePublishArgs publishes the changed record-linkage encodings of store DB to the hub and
// matches them there (crossmatch.Service.Publish).
type LinkagePublishArgs struct {
	DB string `json:"db"`
}

// Kind names the job kind.
func (LinkagePublishArgs) Kind() string { return "linkage_publish" }

// LinkageEncodeArgs encodes the persons of store DB without a current encoding, then publishes
// (crossmatch.Service.Encode).
type LinkageEncodeArgs struct {
	DB string `json:"db"`
}

// Kind names the job kind.
func (LinkageEncodeArgs) Kind() string { return "linkage_encode" }

// worker runs one kind of job with Backoff between attempts.
type worker[T river.JobArgs] struct {
	river.WorkerDefaults[T]
	work  func(ctx context.Context, args T) error
	onRun func(kind string, err error)
}

func (w *worker[T]) Work(ctx context.Context, j *river.Job[T]) error {
	err := w.work(ctx, j.Args)
	if w.onRun != nil {
		w.onRun(j.Kind, err)
	}
	return err
}

func (w *worker[T]) NextRetry(j *river.Job[T]) time.Time {
	return time.Now().Add(Backoff(len(j.Errors) + 1))
}

// workers registers every kind (each client may be handed any kind).
func (w Work) workers() *river.Workers {
	ws := river.NewWorkers()
	river.AddWorker(ws, &worker[RelayArgs]{onRun: w.OnRun, work: func(ctx context.Context, a RelayArgs) error {
		_, err := w.Exchange.Relay(ctx, a.DB, false) // one held elsewhere is left to it
		return err
	}})
	river.AddWorker(ws, &worker[SealArgs]{onRun: w.OnRun, work: func(ctx context.Context, a SealArgs) error {
		_, err := w.Sealer.Seal(ctx, a.DB)
		return err
	}})
	river.AddWorker(ws, &worker[AnchorArgs]{onRun: w.OnRun, work: func(ctx context.Context, _ AnchorArgs) error {
		return w.Sealer.Anchor(ctx)
	}})
	river.AddWorker(ws, &worker[ExpireArgs]{onRun: w.OnRun, work: func(ctx context.Context, _ ExpireArgs) error {
		_, err := w.Exchange.Expire(ctx)
		return err
	}})
	river.AddWorker(ws, &worker[SyncArgs]{onRun: w.OnRun, work: func(ctx context.Context, a SyncArgs) error {
		_, err := w.Exchange.Sync(ctx, a.DB)
		return err
	}})
	river.AddWorker(ws, &worker[LinkagePublishArgs]{onRun: w.OnRun, work: func(ctx context.Context, a LinkagePublishArgs) error {
		if w.Linkage == nil {
			return errNoLinkage
		}
		n, err := w.Linkage.Publish(ctx, a.DB)
		if n > 0 {
			slog.Info("linkage: published", "database", a.DB, "encodings", n)
		}
		return err
	}})
	river.AddWorker(ws, &worker[LinkageEncodeArgs]{onRun: w.OnRun, work: func(ctx context.Context, a LinkageEncodeArgs) error {
		if w.Linkage == nil {
			return errNoLinkage
		}
		enc, pub, err := w.Linkage.Encode(ctx, a.DB)
		if enc > 0 || pub > 0 {
			slog.Info("linkage: encoded", "database", a.DB, "persons", enc, "published", pub)
		}
		return err
	}})
	return ws
}

// errNoLinkage fails a linkage job that reached a runner built without the linkage service (which
// schedules none itself): it is retried, and another server's runner takes it.
var errNoLinkage = errors.New("jobs: this runner has no record-linkage service")

// periodic lists the periodic jobs of database db: each unique by its arguments within its period,
// so two processes (two leaders in turn, or a leader and an Enqueue) never insert it twice.
func periodic(db string, iv Intervals, attempts int, linkage, digests bool) []*river.PeriodicJob {
	every := func(d time.Duration, args river.JobArgs) *river.PeriodicJob {
		opts := uniqueOpts(d, attempts)
		return river.NewPeriodicJob(river.PeriodicInterval(d), func() (river.JobArgs, *river.InsertOpts) {
			return args, opts
		}, &river.PeriodicJobOpts{RunOnStart: true, ID: fmt.Sprintf("%s:%s", args.Kind(), db)})
	}
	out := []*river.PeriodicJob{every(iv.Relay, RelayArgs{DB: db}), every(iv.Seal, SealArgs{DB: db})}
	if db == HubName {
		return append(out, every(iv.Anchor, AnchorArgs{}), every(iv.Expire, ExpireArgs{}))
	}
	out = append(out, every(iv.Sync, SyncArgs{DB: db}))
	if linkage { // a store's record linkage: publish often, look for persons to encode rarely
		out = append(out, every(iv.Publish, LinkagePublishArgs{DB: db}), every(iv.Encode, LinkageEncodeArgs{DB: db}))
	}
	if digests { // a store's queue holds its country's digests
		out = append(out, every(iv.NotifyScan, NotifyScanArgs{DB: db}), every(iv.NotifyDaily, NotifyDailyArgs{DB: db}))
	}
	return out
}

// uniqueOpts makes a job unique by its arguments within period.
func uniqueOpts(period time.Duration, attempts int) *river.InsertOpts {
	return &river.InsertOpts{MaxAttempts: attempts, UniqueOpts: river.UniqueOpts{ByArgs: true, ByPeriod: period}}
}

// period is how often a kind runs.
func (iv Intervals) period(kind string) time.Duration {
	switch kind {
	case RelayArgs{}.Kind():
		return iv.Relay
	case SealArgs{}.Kind():
		return iv.Seal
	case AnchorArgs{}.Kind():
		return iv.Anchor
	case ExpireArgs{}.Kind():
		return iv.Expire
	case LinkagePublishArgs{}.Kind():
		return iv.Publish
	case LinkageEncodeArgs{}.Kind():
		return iv.Encode
	case NotifyScanArgs{}.Kind():
		return iv.NotifyScan
	case NotifyDailyArgs{}.Kind():
		return iv.NotifyDaily
	}
	return iv.Sync
}
