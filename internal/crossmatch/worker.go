package crossmatch

import (
	"context"
	"log/slog"
	"time"

	"homeward/internal/personlink"
)

// WorkerInterval is how often the worker encodes the persons without a current encoding and
// publishes the stores' changed encodings to the hub.
const WorkerInterval = 5 * time.Second

// ReencodeInterval is how often the worker looks for persons without a current encoding.
const ReencodeInterval = 10 * time.Minute

// Tick runs one round: with encode, encode what no identity change encoded (persons loaded by
// COPY, or recorded before the store had a linkage key, or encoded under a rotated key); then
// publish.
func (s *Service) Tick(ctx context.Context, encode bool) {
	if encode {
		if n, err := personlink.ReencodeAll(ctx, s.stores, s.now); err != nil {
			slog.Warn("linkage: encode", "err", err)
		} else if total(n) > 0 {
			slog.Info("linkage: encoded", "persons", n)
		}
	}
	if n, err := s.PublishAll(ctx); err != nil {
		slog.Warn("linkage: publish", "err", err)
	} else if n > 0 {
		slog.Info("linkage: published", "encodings", n)
	}
}

func total(m map[string]int) int {
	t := 0
	for _, n := range m {
		t += n
	}
	return t
}

// Run runs Tick every interval until ctx ends, encoding at the start and every ReencodeInterval.
func (s *Service) Run(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	var encoded time.Time
	for {
		encode := time.Since(encoded) >= ReencodeInterval
		if encode {
			encoded = time.Now()
		}
		s.Tick(ctx, encode)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
