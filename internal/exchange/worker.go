package exchange

import (
	"context"
	"log/slog"
	"time"
)

// WorkerInterval is how often the background worker expires packets and syncs the stores.
const WorkerInterval = 30 * time.Second

// Tick runs one round of the background work: expire the packets past their expiry, then, for
// each store of this process in its own context, revoke the packets its consent answers or closed
// cases no longer allow (reconcile) and apply the waiting replies.
func (s *Service) Tick(ctx context.Context) {
	if err := s.RelayAll(ctx); err != nil {
		slog.Warn("exchange: relay", "err", err)
	}
	if n, err := s.Expire(ctx); err != nil {
		slog.Warn("exchange: expire", "err", err)
	} else if n > 0 {
		slog.Info("exchange: expired packets", "count", n)
	}
	for _, cc := range s.stores.Countries() {
		// A Sync of that store already running (a read, another process) is left to finish the work.
		if n, err := s.sync(ctx, cc, false); err != nil {
			slog.Warn("exchange: sync", "country", cc, "err", err)
		} else if n > 0 {
			slog.Info("exchange: replies applied", "country", cc, "count", n)
		}
	}
}

// RelayInterval is how often the relay worker looks at the outboxes (steps are relayed at once
// after their commit; the worker delivers what a crash or a failure left behind).
const RelayInterval = 500 * time.Millisecond

// RunRelay relays every database's outbox every interval (RelayInterval when 0) until ctx ends;
// Run starts it. Each database is relayed under its advisory lock, so several processes may run it.
func (s *Service) RunRelay(ctx context.Context, interval time.Duration) {
	if interval <= 0 {
		interval = RelayInterval
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		for _, src := range append([]string{hubTarget}, s.stores.Countries()...) {
			if _, err := s.Relay(ctx, src, false); err != nil && ctx.Err() == nil {
				slog.Warn("exchange: relay", "source", src, "err", err)
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Run calls Tick every interval (WorkerInterval when 0) until ctx ends: the background work in a
// goroutine, for tests and benchmarks. `homeward serve` and `homeward dev` run the same work as
// River jobs instead (internal/jobs: Relay, Expire and Sync, each unique per database and period).
func (s *Service) Run(ctx context.Context, interval time.Duration) {
	if interval <= 0 {
		interval = WorkerInterval
	}
	go s.RunRelay(ctx, RelayInterval)
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		s.Tick(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
