package metrics

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func scrape(t *testing.T, r *Registry) string {
	t.Helper()
	srv := httptest.NewServer(r.Handler())
	defer srv.Close()
	res, err := http.Get(srv.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return string(b)
}

// TestSources: lag and gauge sources are read at scrape time, cached, and a failing source is
// left out rather than failing the scrape.
func TestSources(t *testing.T) {
	r := New()
	var reads atomic.Int32
	if err := r.Gauges("homeward_test_things", "Things.", "state", time.Hour, func(context.Context) (map[string]float64, error) {
		reads.Add(1)
		return map[string]float64{"open": 3, "done": 7}, nil
	}); err != nil {
		t.Fatal(err)
	}
	r.Lag("sealer_TH", func(context.Context) (time.Duration, error) { return 1500 * time.Millisecond, nil })
	r.Lag("relay", func(context.Context) (time.Duration, error) { return 0, errors.New("down") })
	r.JobRun("expiry", nil)
	r.JobRun("expiry", errors.New("x"))
	r.ObserveRequest("GET", "/cases/:id", 200, 3*time.Millisecond)
	body := scrape(t, r)
	for _, want := range []string{
		`homeward_test_things{state="open"} 3`, `homeward_test_things{state="done"} 7`,
		`homeward_worker_lag_seconds{worker="sealer_TH"} 1.5`,
		`homeward_job_runs_total{job="expiry",result="ok"} 1`, `homeward_job_runs_total{job="expiry",result="error"} 1`,
		`homeward_job_last_success_timestamp_seconds{job="expiry"}`,
		`homeward_http_requests_total{method="GET",route="/cases/:id",status="200"} 1`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("scrape lacks %s", want)
		}
	}
	if strings.Contains(body, `worker="relay"`) {
		t.Error("a failing lag source was exposed")
	}
	scrape(t, r)
	if n := reads.Load(); n != 1 {
		t.Errorf("gauge source read %d times in two scrapes within its cache time, want 1", n)
	}
}

// TestNilRegistry: with metrics off (nil), registrations and observations do nothing.
func TestNilRegistry(t *testing.T) {
	var r *Registry
	r.Lag("x", func(context.Context) (time.Duration, error) { return 0, nil })
	r.JobRun("x", nil)
	r.ObserveRequest("GET", "/", 200, time.Millisecond)
	r.DBPool("x", nil)
	if err := r.Gauges("x", "x", "x", 0, nil); err != nil {
		t.Fatal(err)
	}
}

// BenchmarkObserveRequest is the metrics' part of every request: one series' counter and histogram.
func BenchmarkObserveRequest(b *testing.B) {
	r := New()
	for b.Loop() {
		r.ObserveRequest("GET", "/api/v1/cases", 200, 3*time.Millisecond)
	}
}
