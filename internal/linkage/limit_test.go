package linkage

import (
	"slices"
	"testing"
)

// measureTop matches every first record of the labelled set against one index holding every
// second record (the true partners and the look-alike other persons side by side, as in the
// hub), keeping the best limit candidates at threshold. A pair counts as linked when its second
// record is among the first record's candidates: a true partner pushed out of the best limit by
// namesakes is a miss, a look-alike that stays in them a false link.
func measureTop(tb testing.TB, pairs []labelledPair, threshold float64, limit int) quality {
	tb.Helper()
	as, bs := make([]Person, len(pairs)), make([]Person, len(pairs))
	for i, p := range pairs {
		as[i], bs[i] = p.a, p.b
	}
	ea, eb := encodeAll(tb, as), encodeAll(tb, bs)
	x := NewIndex(1)
	for i := range eb {
		mustAdd(tb, x, &eb[i])
	}
	var q quality
	for i, cs := range x.MatchAll(ea, threshold, limit) {
		linked := false
		for _, c := range cs {
			linked = linked || c.ID == i
		}
		switch {
		case linked && pairs[i].match:
			q.tp++
		case linked:
			q.fp++
		case pairs[i].match:
			q.fn++
		default:
			q.tn++
		}
	}
	q.precision = float64(q.tp) / float64(max(1, q.tp+q.fp))
	q.recall = float64(q.tp) / float64(max(1, q.tp+q.fn))
	return q
}

// TestCandidateLimit holds precision and recall above their targets when the hub keeps only the
// best CandidateLimit candidates of each new encoding, on the labelled set matched in one index.
func TestCandidateLimit(t *testing.T) {
	pairs := labelledSet(15, 5000)
	q := measureTop(t, pairs, Threshold, CandidateLimit)
	t.Logf("limit %d: precision %.3f recall %.3f (tp %d fp %d fn %d tn %d)", CandidateLimit, q.precision, q.recall, q.tp, q.fp, q.fn, q.tn)
	if q.precision < 0.95 || q.recall < 0.9 {
		t.Errorf("limit %d: precision %.3f recall %.3f; targets 0.95 and 0.90", CandidateLimit, q.precision, q.recall)
	}
	// The limit costs next to nothing against keeping every candidate.
	if all := measureTop(t, pairs, Threshold, 0); all.recall-q.recall > 0.005 {
		t.Errorf("limit %d: recall %.3f, %.3f without a limit", CandidateLimit, q.recall, all.recall)
	}
}

// TestMatchAllShards: the candidates, and their order, do not depend on how many shards scan
// the blocks (one shard is the serial scan).
func TestMatchAllShards(t *testing.T) {
	stored := encodeAll(t, population(2, 20_000))
	x := NewIndex(1)
	for i := range stored {
		mustAdd(t, x, &stored[i])
	}
	fresh := encodeAll(t, population(3, 500))
	serial := x.matchAll(fresh, Threshold, 0, 1)
	n := 0
	for _, cs := range serial {
		n += len(cs)
	}
	if n < 500 {
		t.Fatalf("%d candidates for 500 new encodings: too few to compare", n)
	}
	for _, shards := range []int{2, 3, 7} {
		if got := x.matchAll(fresh, Threshold, 0, shards); !slices.EqualFunc(got, serial, slices.Equal) {
			t.Errorf("%d shards: candidates differ from the serial scan", shards)
		}
		if got, want := x.matchAll(fresh, Threshold, 3, shards), x.matchAll(fresh, Threshold, 3, 1); !slices.EqualFunc(got, want, slices.Equal) {
			t.Errorf("%d shards, limit 3: candidates differ from the serial scan", shards)
		}
	}
}
