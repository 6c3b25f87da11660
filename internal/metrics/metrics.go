// Package metrics holds Homeward's Prometheus metrics (client_golang) and the handler that serves
// them, with pprof, on the separate metrics address (HOMEWARD_METRICS_ADDR). Nothing here is ever
// served on the main address.
//
// Series:
//
//	homeward_http_requests_total{method,route,status}              counter
//	homeward_http_request_duration_seconds{method,route,status}    histogram
//	go_sql_*{db_name}                                              each pool's sql.DBStats (collectors.NewDBStatsCollector)
//	homeward_worker_lag_seconds{worker}                            a worker's lag, read at scrape time (Lag)
//	homeward_packets{status}                                       hub packets by status (Gauges, cached)
//	homeward_job_runs_total{job,result}, homeward_job_last_success_timestamp_seconds{job}
//	go_*, process_*                                                the Go runtime and the process
//
// Labels never hold an id, a name or a query string: the route label is the route's pattern
// (echo's c.Path(), "/cases/:id"), never the requested path.
package metrics

import (
	"database/sql"
	"net/http"
	"net/http/pprof"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Registry is the process's metrics. A nil *Registry (metrics off) accepts every registration and
// observation and does nothing, so workers and the app register without checking.
type Registry struct {
	reg      *prometheus.Registry
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
	lag      *lagCollector
	jobRuns  *prometheus.CounterVec
	jobLast  *prometheus.GaugeVec
	series   sync.Map // requestSeries → requestObservers: the label look-up once per series
}

// requestSeries is the labels of one request series.
type requestSeries struct {
	method, route string
	status        int
}

// requestObservers are one series' counter and histogram, looked up once.
type requestObservers struct {
	count    prometheus.Counter
	duration prometheus.Observer
}

// New returns a Registry with the HTTP, job and runtime series registered.
func New() *Registry {
	r := &Registry{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "homeward_http_requests_total",
			Help: "HTTP requests answered, by method, route pattern and status.",
		}, []string{"method", "route", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "homeward_http_request_duration_seconds",
			Help:    "Time to answer an HTTP request, by method, route pattern and status.",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}, []string{"method", "route", "status"}),
		lag: newLagCollector(),
		jobRuns: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "homeward_job_runs_total",
			Help: "Runs of a background job, by job and result (ok or error).",
		}, []string{"job", "result"}),
		jobLast: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "homeward_job_last_success_timestamp_seconds",
			Help: "When a background job last ran without error (Unix seconds).",
		}, []string{"job"}),
	}
	r.reg.MustRegister(r.requests, r.duration, r.lag, r.jobRuns, r.jobLast,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return r
}

// ObserveRequest counts one answered request. route must be the route's pattern, never the path.
func (r *Registry) ObserveRequest(method, route string, status int, d time.Duration) {
	if r == nil {
		return
	}
	key := requestSeries{method, route, status}
	o, ok := r.series.Load(key)
	if !ok {
		code := strconv.Itoa(status)
		o, _ = r.series.LoadOrStore(key, requestObservers{
			count:    r.requests.WithLabelValues(method, route, code),
			duration: r.duration.WithLabelValues(method, route, code),
		})
	}
	obs := o.(requestObservers)
	obs.count.Inc()
	obs.duration.Observe(d.Seconds())
}

// DBPool exposes a pool's sql.DBStats (in use, idle, open, max open, waits and wait time, closes)
// as go_sql_*{db_name=name}. name is "hub", a country code, or such.
func (r *Registry) DBPool(name string, db *sql.DB) {
	if r == nil {
		return
	}
	r.reg.MustRegister(collectors.NewDBStatsCollector(db, name))
}

// JobRun records one run of a background job: its result, and when it last succeeded.
func (r *Registry) JobRun(job string, err error) {
	if r == nil {
		return
	}
	if err != nil {
		r.jobRuns.WithLabelValues(job, "error").Inc()
		return
	}
	r.jobRuns.WithLabelValues(job, "ok").Inc()
	r.jobLast.WithLabelValues(job).SetToCurrentTime()
}

// Register adds another collector (tests, or a package with series of its own).
func (r *Registry) Register(c prometheus.Collector) error { return r.reg.Register(c) }

// Handler serves /metrics and net/http/pprof's /debug/pprof/ pages: the handler of the metrics
// address only. The main server registers neither (a test checks /debug/pprof/ is 404 there).
func (r *Registry) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(r.reg, promhttp.HandlerOpts{Registry: r.reg}))
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	return mux
}
