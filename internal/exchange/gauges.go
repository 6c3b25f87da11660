package exchange

import (
	"context"
	"database/sql"
	"time"
)

// statusCountsSQL counts the hub's packets by status (a scrape-time gauge, cached by the caller).
const statusCountsSQL = `SELECT status, count(*) AS n FROM packets GROUP BY status`

// StatusCounts counts the hub's packets by status, for the metrics (homeward_packets{status}).
func (s *Service) StatusCounts(ctx context.Context) (map[string]float64, error) {
	var rows []struct {
		Status string
		N      int64
	}
	if err := s.hub.WithContext(ctx).Raw(statusCountsSQL).Scan(&rows).Error; err != nil {
		return nil, err
	}
	out := make(map[string]float64, len(rows))
	for _, r := range rows {
		out[r.Status] = float64(r.N)
	}
	return out, nil
}

// overdueExpirySQL is the oldest expiry passed by a packet still outstanding (the partial index
// packets_outstanding_expiry_idx answers it).
const overdueExpirySQL = `SELECT min(expires_at) FROM packets
WHERE status IN ('pending_approval', 'sent', 'opened') AND expires_at < now()`

// ExpiryLag is how far behind the expiry worker (Tick) is: how long ago the oldest outstanding
// packet should have expired; zero when none is overdue. A metrics.LagSource.
func (s *Service) ExpiryLag(ctx context.Context) (time.Duration, error) {
	var oldest sql.NullTime
	if err := s.hub.WithContext(ctx).Raw(overdueExpirySQL).Row().Scan(&oldest); err != nil {
		return 0, err
	}
	if !oldest.Valid {
		return 0, nil
	}
	return max(0, s.now().Sub(oldest.Time)), nil
}
