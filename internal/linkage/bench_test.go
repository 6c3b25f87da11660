package linkage

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"sync"
	"syscall"
	"testing"
	"time"
)

// BenchmarkLinkageQuality prints precision and recall on the labelled set (10,000 pairs: 5,000
// of the same person written by two stores, 5,000 of different persons with a shared name part,
// same sex, born within two years) at the chosen threshold and around it.
func BenchmarkLinkageQuality(b *testing.B) {
	pairs := labelledSet(15, 5000)
	for b.Loop() {
		for _, th := range []float64{0.65, 0.70, Threshold, 0.80, 0.85} {
			q := measure(b, pairs, th)
			b.Logf("threshold %.2f: precision %.3f recall %.3f (tp %d fp %d fn %d tn %d)", th, q.precision, q.recall, q.tp, q.fp, q.fn, q.tn)
			if th == Threshold {
				b.ReportMetric(q.precision, "precision")
				b.ReportMetric(q.recall, "recall")
			}
		}
	}
}

// population generates n store records.
func population(seed uint64, n int) []Person {
	g := generator{r: rand.New(rand.NewPCG(seed, 7))}
	out := make([]Person, n)
	for i := range out {
		out[i] = g.record(g.person(), i%2 == 0)
	}
	return out
}

// encodeAll encodes persons on every core, one encoder per goroutine.
func encodeAll(tb testing.TB, ps []Person) []Encoding {
	out := make([]Encoding, len(ps))
	workers := runtime.GOMAXPROCS(0)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			enc, err := NewEncoder(1, testKey)
			if err != nil {
				panic(err)
			}
			for i := w; i < len(ps); i += workers {
				if out[i], err = enc.Encode(ps[i]); err != nil {
					panic(fmt.Sprintf("person %d: %v", i, err))
				}
			}
		}()
	}
	wg.Wait()
	return out
}

// BenchmarkLinkageEncode1M encodes one million persons (names in Thai, Khmer and Latin script)
// per operation, on all cores; target under two minutes.
func BenchmarkLinkageEncode1M(b *testing.B) {
	ps := population(1, 1_000_000)
	cpu := cpuTime()
	for b.Loop() {
		encodeAll(b, ps)
	}
	b.ReportMetric((cpuTime()-cpu).Seconds()/float64(b.N), "cpu-s/op")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/1e6, "ns/person")
}

// BenchmarkLinkageMatch2000Against1M matches 2,000 new encodings against one million stored
// ones per operation; target under five seconds. It reports the hub's bytes per stored person
// (without document numbers, 16 bytes each).
func BenchmarkLinkageMatch2000Against1M(b *testing.B) { benchMatch(b, 1_000_000) }

// BenchmarkLinkageMatch2000Against100k is the same against 100,000 stored encodings.
func BenchmarkLinkageMatch2000Against100k(b *testing.B) { benchMatch(b, 100_000) }

func benchMatch(b *testing.B, n int) {
	stored := encodeAll(b, population(2, n))
	x := NewIndex(1)
	for i := range stored {
		mustAdd(b, x, &stored[i])
	}
	fresh := encodeAll(b, population(3, 2000))
	found := 0
	cpu := cpuTime()
	for b.Loop() {
		found = 0
		for _, cs := range x.MatchAll(fresh, Threshold, 10) {
			found += len(cs)
		}
	}
	b.ReportMetric((cpuTime()-cpu).Seconds()/float64(b.N), "cpu-s/op")
	b.ReportMetric(float64(found)/2000, "candidates/new")
	b.ReportMetric(float64(StoredSize(0)), "hub-bytes/person")
}

// cpuTime returns the CPU time (user and system) the process has used: on a machine shared with
// other work, it tells how much of a benchmark's wall time was its own.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
