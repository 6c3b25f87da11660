package app

import (
	"context"
	"time"

	"gorm.io/gorm"

	"homeward/internal/metrics"
)

// The workers' lag, as the age of the oldest work not yet done in each database: an audit row the
// sealer has not sealed, an outbox row the relay has not delivered. Both read a partial index of
// the rows still waiting, so a scrape costs little however large the tables grow.
const (
	sealerLagSQL = `SELECT coalesce(extract(epoch FROM clock_timestamp() - min(appended_at)), 0) FROM audit_log WHERE seq IS NULL`
	relayLagSQL  = `SELECT coalesce(extract(epoch FROM clock_timestamp() - min(created_at)), 0) FROM outbox WHERE done_at IS NULL`
)

// registerLags registers the sealer's and the relay's lag of the hub and every store on reg.
func (a *App) registerLags(reg *metrics.Registry) {
	dbs := map[string]*gorm.DB{"hub": a.Hub}
	for _, cc := range a.Stores.Countries() {
		if st, err := a.Stores.For(cc); err == nil {
			dbs[cc] = st.DB
		}
	}
	for name, db := range dbs {
		reg.Lag("audit_sealer_"+name, lagOf(db, sealerLagSQL))
		reg.Lag("outbox_relay_"+name, lagOf(db, relayLagSQL))
	}
}

func lagOf(db *gorm.DB, query string) metrics.LagSource {
	return func(ctx context.Context) (time.Duration, error) {
		var seconds float64
		if err := db.WithContext(ctx).Raw(query).Scan(&seconds).Error; err != nil {
			return 0, err
		}
		return time.Duration(seconds * float64(time.Second)), nil
	}
}
