package linkage

import (
	"bytes"
	"testing"
)

// testKey is the linkage key of the tests and benchmarks.
var testKey = bytes.Repeat([]byte{0x5a}, 32)

// quality is precision and recall at a threshold over a labelled set.
type quality struct {
	tp, fp, fn, tn    int
	precision, recall float64
}

// measure encodes both sides of each pair and counts a pair as linked when the second record
// is in a block the first probes and scores at least threshold, or a document HMAC is equal.
func measure(tb testing.TB, pairs []labelledPair, threshold float64) quality {
	tb.Helper()
	enc, err := NewEncoder(1, testKey)
	if err != nil {
		tb.Fatal(err)
	}
	var q quality
	for _, p := range pairs {
		ea, err := enc.Encode(p.a)
		if err != nil {
			tb.Fatal(err)
		}
		eb, err := enc.Encode(p.b)
		if err != nil {
			tb.Fatal(err)
		}
		x := NewIndex(1)
		mustAdd(tb, x, &eb)
		linked := len(x.Match(&ea, threshold, 1)) > 0
		switch {
		case linked && p.match:
			q.tp++
		case linked:
			q.fp++
		case p.match:
			q.fn++
		default:
			q.tn++
		}
	}
	q.precision = float64(q.tp) / float64(max(1, q.tp+q.fp))
	q.recall = float64(q.tp) / float64(max(1, q.tp+q.fn))
	return q
}

// TestLinkageQuality holds precision and recall above their targets on a fixed seed.
func TestLinkageQuality(t *testing.T) {
	pairs := labelledSet(15, 5000)
	if len(pairs) < 10000 {
		t.Fatalf("%d pairs, want at least 10000", len(pairs))
	}
	q := measure(t, pairs, Threshold)
	t.Logf("threshold %.2f: precision %.3f recall %.3f (tp %d fp %d fn %d tn %d)", Threshold, q.precision, q.recall, q.tp, q.fp, q.fn, q.tn)
	if q.precision < 0.95 || q.recall < 0.9 {
		t.Errorf("precision %.3f recall %.3f; targets 0.95 and 0.90", q.precision, q.recall)
	}
}

func mustAdd(tb testing.TB, x *Index, e *Encoding) {
	tb.Helper()
	if _, err := x.Add(e); err != nil {
		tb.Fatal(err)
	}
}
