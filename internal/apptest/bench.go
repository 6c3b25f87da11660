package apptest

import (
	"slices"
	"testing"
	"time"
)

// P95 times n calls of f and returns the 95th percentile, for benchmarks that report a latency
// target next to ns/op (never asserted: performance is measured, not tested). The benchmark's timer
// is stopped while it runs, so its calls do not count in ns/op.
func P95(b *testing.B, n int, f func() error) time.Duration {
	b.Helper()
	b.StopTimer()
	defer b.StartTimer()
	d := make([]time.Duration, n)
	for i := range d {
		start := time.Now()
		if err := f(); err != nil {
			b.Fatal(err)
		}
		d[i] = time.Since(start)
	}
	slices.Sort(d)
	return d[n*95/100-1]
}
