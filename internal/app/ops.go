package app

import (
	"time"

	"homeward/internal/config"
	"homeward/internal/health"
	"homeward/internal/metrics"
	"homeward/internal/web"
)

// packetGaugeCache is how long the packet counts of the metrics are kept between scrapes.
const packetGaugeCache = 15 * time.Second

// openOps builds the server's operations parts: the readiness checker with its own small pools and
// the outage tracker, and — when cfg names a metrics address — the metrics of the requests, of
// every pool (the hub, each store, and the checker's own), of the packets and of the exchange
// worker's expiry lag. Other workers register their lag on a.Metrics (metrics.Registry.Lag) where
// they are built; a.Metrics is nil when metrics are off.
func (a *App) openOps(cfg config.Config) (web.Ops, error) {
	dsns := map[string]string{"hub": cfg.HubDSN}
	for cc, dsn := range cfg.StoreDSNs {
		dsns[cc] = dsn
	}
	checker, err := health.Open(dsns, nil)
	if err != nil {
		return web.Ops{}, err
	}
	a.Health = checker
	ops := web.Ops{Health: checker, APIRate: cfg.Ops.APIRate, APIBurst: cfg.Ops.APIBurst, ImportsPerStore: cfg.Ops.ImportsPerStore}
	if cfg.Ops.MetricsAddr == "" {
		return ops, nil
	}
	reg := metrics.New()
	hub, err := a.Hub.DB()
	if err != nil {
		return web.Ops{}, err
	}
	reg.DBPool("hub", hub)
	for _, cc := range a.Stores.Countries() {
		st, _ := a.Stores.For(cc)
		db, err := st.DB.DB()
		if err != nil {
			return web.Ops{}, err
		}
		reg.DBPool(cc, db)
	}
	for name, db := range checker.Pools() {
		reg.DBPool("readyz_"+name, db)
	}
	if err := reg.Gauges("homeward_packets", "Packets in the hub's exchange, by status.", "status", packetGaugeCache, a.Exchange.StatusCounts); err != nil {
		return web.Ops{}, err
	}
	reg.Lag("exchange_expiry", a.Exchange.ExpiryLag)
	a.registerLags(reg) // lag.go
	a.Metrics = reg
	ops.Metrics = reg
	return ops, nil
}
