package metrics

import (
	"context"
	"log/slog"
	"sort"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// scrapeTimeout bounds a source read at scrape time (a database query).
const scrapeTimeout = 2 * time.Second

// LagSource tells how far behind a worker is: the age of the oldest work it has not done yet (an
// unsealed audit row, an outbox row not relayed, a packet past its expiry not yet expired); zero
// when it is up to date. It is called at scrape time with a short deadline.
type LagSource func(ctx context.Context) (time.Duration, error)

// Lag registers a worker's lag as homeward_worker_lag_seconds{worker=name}, read from src at each
// scrape (at most every 15 s: the value is cached). A source that fails is left out of that scrape
// and logged; registering a name twice replaces the source.
//
// The audit sealer and the exchange's outbox relay register theirs where internal/app builds them,
// e.g. reg.Lag("audit_sealer_TH", sealer.Lag).
func (r *Registry) Lag(name string, src LagSource) {
	if r == nil {
		return
	}
	r.lag.mu.Lock()
	defer r.lag.mu.Unlock()
	r.lag.sources[name] = &cached[time.Duration]{read: func(ctx context.Context) (time.Duration, error) { return src(ctx) }}
}

// GaugeSource reads a family of values at scrape time: label value -> value (packets by status).
type GaugeSource func(ctx context.Context) (map[string]float64, error)

// Gauges registers a gauge family name{label=…} read from src at scrape time, cached for cacheFor
// (a query that counts rows need not run on every scrape).
func (r *Registry) Gauges(name, help, label string, cacheFor time.Duration, src GaugeSource) error {
	if r == nil {
		return nil
	}
	return r.reg.Register(&gaugeCollector{
		desc: prometheus.NewDesc(name, help, []string{label}, nil),
		src:  &cached[map[string]float64]{read: src, ttl: cacheFor},
	})
}

// cached is a value read at most once per ttl (15 s when zero).
type cached[T any] struct {
	read func(context.Context) (T, error)
	ttl  time.Duration
	mu   sync.Mutex
	at   time.Time
	val  T
	err  error
}

func (c *cached[T]) get() (T, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	ttl := c.ttl
	if ttl == 0 {
		ttl = 15 * time.Second
	}
	if c.at.IsZero() || time.Since(c.at) >= ttl {
		ctx, cancel := context.WithTimeout(context.Background(), scrapeTimeout)
		c.val, c.err = c.read(ctx)
		cancel()
		c.at = time.Now()
	}
	return c.val, c.err
}

type lagCollector struct {
	desc    *prometheus.Desc
	mu      sync.Mutex
	sources map[string]*cached[time.Duration]
}

func newLagCollector() *lagCollector {
	return &lagCollector{
		desc: prometheus.NewDesc("homeward_worker_lag_seconds",
			"How far behind a background worker is: the age of its oldest pending work (0 when up to date).",
			[]string{"worker"}, nil),
		sources: map[string]*cached[time.Duration]{},
	}
}

func (l *lagCollector) Describe(ch chan<- *prometheus.Desc) { ch <- l.desc }

func (l *lagCollector) Collect(ch chan<- prometheus.Metric) {
	l.mu.Lock()
	names := make([]string, 0, len(l.sources))
	srcs := make(map[string]*cached[time.Duration], len(l.sources))
	for n, src := range l.sources {
		names = append(names, n)
		srcs[n] = src
	}
	l.mu.Unlock()
	sort.Strings(names)
	for _, n := range names {
		d, err := srcs[n].get()
		if err != nil {
			slog.Warn("metrics: worker lag", "worker", n, "err", err)
			continue
		}
		ch <- prometheus.MustNewConstMetric(l.desc, prometheus.GaugeValue, d.Seconds(), n)
	}
}

type gaugeCollector struct {
	desc *prometheus.Desc
	src  *cached[map[string]float64]
}

func (g *gaugeCollector) Describe(ch chan<- *prometheus.Desc) { ch <- g.desc }

func (g *gaugeCollector) Collect(ch chan<- prometheus.Metric) {
	vals, err := g.src.get()
	if err != nil {
		slog.Warn("metrics: gauge", "desc", g.desc.String(), "err", err)
		return
	}
	for k, v := range vals {
		ch <- prometheus.MustNewConstMetric(g.desc, prometheus.GaugeValue, v, k)
	}
}
