// Package scalebench holds the benchmarks of issue 12 that need a store of a million persons
// (apptest.Scale): they share one fill per run of the package.
package scalebench

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"homeward/internal/apptest"
)

func TestMain(m *testing.M) { apptest.Main(m) }

// benchPersons is the size of the filled store: 1,000,000, or HOMEWARD_BENCH_PERSONS (to try the
// benchmarks quickly on a smaller store).
func benchPersons(b *testing.B) int {
	if s := os.Getenv("HOMEWARD_BENCH_PERSONS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n <= 0 {
			b.Fatalf("HOMEWARD_BENCH_PERSONS=%q", s)
		}
		return n
	}
	return 1_000_000
}

// loadResult is what clients did in a load run.
type loadResult struct {
	Requests int
	Elapsed  time.Duration
	P50, P95 time.Duration
	P99      time.Duration
	// CPU is the user and system CPU time of this process (the server and its clients) during the
	// run: unlike the throughput, it barely depends on what else runs on the machine.
	CPU time.Duration
}

// CPUPerRequest is the process's CPU time per request, in microseconds.
func (r loadResult) CPUPerRequest() float64 {
	return float64(r.CPU.Microseconds()) / float64(r.Requests)
}

func (r loadResult) PerSecond() float64 { return float64(r.Requests) / r.Elapsed.Seconds() }

func (r loadResult) String() string {
	return fmt.Sprintf("%d requests in %s: %.0f/s, p50 %s, p95 %s, p99 %s, Go CPU %.0f µs per request", r.Requests, r.Elapsed.Round(time.Millisecond),
		r.PerSecond(), r.P50.Round(time.Microsecond), r.P95.Round(time.Microsecond), r.P99.Round(time.Microsecond), r.CPUPerRequest())
}

// load runs clients goroutines calling do(client, i) back to back for d, on one keep-alive
// transport, and returns the throughput and latency percentiles. A failed call fails b.
func load(b *testing.B, clients int, d time.Duration, do func(c *http.Client, i int) error) loadResult {
	b.Helper()
	tr := &http.Transport{MaxIdleConns: 2 * clients, MaxIdleConnsPerHost: 2 * clients}
	defer tr.CloseIdleConnections()
	c := &http.Client{Transport: tr, Timeout: time.Minute}
	var (
		mu       sync.Mutex
		all      []time.Duration
		failed   atomic.Pointer[error]
		n        atomic.Int64
		wg       sync.WaitGroup
		deadline = time.Now().Add(d)
	)
	start, cpu0 := time.Now(), processCPU(b)
	for w := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var mine []time.Duration
			for i := w; time.Now().Before(deadline) && failed.Load() == nil; i += clients {
				t0 := time.Now()
				if err := do(c, i); err != nil {
					failed.CompareAndSwap(nil, &err)
					return
				}
				mine = append(mine, time.Since(t0))
				n.Add(1)
			}
			mu.Lock()
			all = append(all, mine...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	elapsed, cpu := time.Since(start), processCPU(b)-cpu0
	if err := failed.Load(); err != nil {
		b.Fatal(*err)
	}
	if len(all) == 0 {
		b.Fatal("no request completed")
	}
	slices.Sort(all)
	at := func(p int) time.Duration { return all[max(0, len(all)*p/100-1)] }
	return loadResult{Requests: int(n.Load()), Elapsed: elapsed, P50: at(50), P95: at(95), P99: at(99), CPU: cpu}
}

// processCPU is the user and system CPU time this process has used.
func processCPU(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// getJSON sends an authorised GET and drains the body; anything but 200 is an error.
func getJSON(c *http.Client, url, token string) error {
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := c.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		return err
	}
	if res.StatusCode != http.StatusOK {
		return errors.New("GET " + url + ": " + res.Status + " " + string(body))
	}
	return nil
}

// loadAverage is /proc/loadavg, for the log of a run on a shared machine.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	return string(b[:len(b)-1])
}
