package jobs

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"homeward/internal/notify"
)

// The e-mail digests (internal/notify): each store's queue holds the digests of its country's
// agencies (its own, and the embassies and NGOs it hosts), so a failed digest is listed on that
// country's /admin/jobs.

// NotifyDailyArgs queues the day's daily digests of the users of DB's country (periodic, hourly:
// from notify.DailyHour on, each user's digest of the day is queued once).
type NotifyDailyArgs struct {
	DB string `json:"db"`
}

// Kind names the job kind.
func (NotifyDailyArgs) Kind() string { return "notify_daily" }

// NotifyScanArgs queues an immediate digest for each user of DB's country who asked for them and
// has more waiting than their last digest said (periodic).
type NotifyScanArgs struct {
	DB string `json:"db"`
}

// Kind names the job kind.
func (NotifyScanArgs) Kind() string { return "notify_scan" }

// DigestArgs sends one digest: a user, acting in an agency, daily (of Day) or immediate. Unique
// by its arguments: a daily one per user, agency and day; an immediate one per notify.Debounce.
type DigestArgs struct {
	DB       string `json:"db"`
	UserID   string `json:"user_id"`
	AgencyID string `json:"agency_id"`
	Mode     string `json:"mode"`
	Day      string `json:"day,omitempty"`
}

// Kind names the job kind.
func (DigestArgs) Kind() string { return "notify_digest" }

// digestOpts makes a digest job unique: a day for a daily one, notify.Debounce for an immediate one.
func digestOpts(mode string, attempts int) *river.InsertOpts {
	if mode == notify.Daily {
		return uniqueOpts(24*time.Hour, attempts)
	}
	return uniqueOpts(notify.Debounce, attempts)
}

// notifyWorkers registers the digest kinds (when a Notify service is given).
func (w Work) notifyWorkers(ws *river.Workers, attempts int) {
	if w.Notify == nil {
		return
	}
	queue := func(ctx context.Context, db, mode, day string, rs []notify.Recipient) error {
		c, err := river.ClientFromContextSafely[pgx.Tx](ctx)
		if err != nil {
			return err
		}
		for _, r := range rs {
			if _, err := c.Insert(ctx, DigestArgs{DB: db, UserID: r.UserID, AgencyID: r.AgencyID, Mode: mode, Day: day},
				digestOpts(mode, attempts)); err != nil {
				return fmt.Errorf("notify: queue digest: %w", err)
			}
		}
		return nil
	}
	river.AddWorker(ws, &worker[NotifyDailyArgs]{onRun: w.OnRun, work: func(ctx context.Context, a NotifyDailyArgs) error {
		day := notify.Day(w.Notify.Now())
		if day == "" {
			return nil // before the hour of the daily digests
		}
		rs, err := w.Notify.Recipients(ctx, a.DB, notify.Daily)
		if err != nil {
			return err
		}
		return queue(ctx, a.DB, notify.Daily, day, rs)
	}})
	river.AddWorker(ws, &worker[NotifyScanArgs]{onRun: w.OnRun, work: func(ctx context.Context, a NotifyScanArgs) error {
		rs, err := w.Notify.Due(ctx, a.DB)
		if err != nil {
			return err
		}
		return queue(ctx, a.DB, notify.Immediate, "", rs)
	}})
	river.AddWorker(ws, &worker[DigestArgs]{onRun: w.OnRun, work: func(ctx context.Context, a DigestArgs) error {
		_, err := w.Notify.Send(ctx, notify.Recipient{UserID: a.UserID, AgencyID: a.AgencyID}, a.Mode, a.Day)
		var soon *notify.TooSoon
		if errors.As(err, &soon) {
			return river.JobSnooze(soon.Wait)
		}
		return err
	}})
}
