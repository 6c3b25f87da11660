package linkage

import (
	"errors"
	"math/bits"
	"runtime"
	"slices"
	"sort"
	"sync"
)

// Threshold is the Dice score from which the hub records a candidate match, chosen on the
// labelled test set (BenchmarkLinkageQuality prints precision and recall around it).
const Threshold = 0.75

// CandidateLimit is how many candidates the hub records for one new encoding, the best first.
// Chosen on the labelled set matched in one index (TestCandidateLimit: every first record
// against all the second records, true partners and look-alikes side by side) at Threshold:
//
//	limit       1      2      3      5      10     all
//	precision   0.998  0.989  0.981  0.976  0.976  0.975
//	recall      0.811  0.894  0.908  0.912  0.913  0.913
//
// Five keeps all but three of the true partners the unlimited list finds; beyond it come only
// namesakes of a crowded block, which a supervisor would not read, and each costs two rows.
const CandidateLimit = 5

// Candidate is a stored encoding that may be the same person as a new one.
type Candidate struct {
	ID       int     // the stored encoding's index in the Index
	Score    float64 // Dice coefficient of the filters; 1 on a document match
	Document bool    // a document number's HMAC is equal
}

// block holds the encodings of one block side by side, so that a scan reads memory in order.
type block struct {
	ids     []int32
	counts  []int32
	filters []Filter
}

// Index holds one country's encodings in the hub, under one linkage key version, grouped by
// block, for matching the other country's new encodings against them. It is safe for
// concurrent reads once built.
type Index struct {
	version uint32
	n       int
	blocks  map[uint32]*block
	docs    map[[DocBytes]byte][]int32
}

// NewIndex returns an empty index of the encodings made under one linkage key version.
func NewIndex(version uint32) *Index {
	return &Index{version: version, blocks: map[uint32]*block{}, docs: map[[DocBytes]byte][]int32{}}
}

// ErrKeyVersion is returned for an encoding made under another linkage key version.
var ErrKeyVersion = errors.New("linkage: encoding of another key version")

// Add stores an encoding and returns its ID.
func (x *Index) Add(e *Encoding) (int, error) {
	if e.KeyVersion != x.version {
		return 0, ErrKeyVersion
	}
	id := int32(x.n)
	x.n++
	b := x.blocks[e.Block]
	if b == nil {
		b = &block{}
		x.blocks[e.Block] = b
	}
	b.ids = append(b.ids, id)
	b.counts = append(b.counts, int32(e.Filter.Count()))
	b.filters = append(b.filters, e.Filter)
	for _, d := range e.Docs {
		x.docs[d] = append(x.docs[d], id)
	}
	return int(id), nil
}

// Len returns the number of encodings stored.
func (x *Index) Len() int { return x.n }

// Match returns the stored encodings whose Dice score with e reaches threshold, in the blocks e
// probes, and every encoding that shares a document HMAC with e (score 1), best first, at most
// limit of them (all when limit is 0). An encoding of another key version matches nothing.
func (x *Index) Match(e *Encoding, threshold float64, limit int) []Candidate {
	return x.MatchAll([]Encoding{*e}, threshold, limit)[0]
}

// MatchAll matches many new encodings; result i belongs to es[i]. It scans each probed block
// once for all the encodings that probe it, split into one shard per core (matchAll).
func (x *Index) MatchAll(es []Encoding, threshold float64, limit int) [][]Candidate {
	return x.matchAll(es, threshold, limit, runtime.GOMAXPROCS(0))
}

// matchAll splits every probed block into shards contiguous parts of (nearly) equal length and
// scans part w of every block in goroutine w, so that each core compares as many filters as the
// others whatever the blocks' sizes. The candidates of each new encoding are then ordered by best,
// a total order (score, ID, document): the result is the same for any number of shards.
func (x *Index) matchAll(es []Encoding, threshold float64, limit, shards int) [][]Candidate {
	out := make([][]Candidate, len(es))
	byBlock := map[uint32][]int32{}
	counts := make([]int, len(es))
	for i := range es {
		if es[i].KeyVersion != x.version {
			continue // encodings under two keys share nothing but chance
		}
		counts[i] = es[i].Filter.Count()
		for _, p := range es[i].Probes {
			if x.blocks[p] != nil {
				byBlock[p] = append(byBlock[p], int32(i))
			}
		}
		for _, d := range es[i].Docs {
			for _, id := range x.docs[d] {
				out[i] = append(out[i], Candidate{ID: int(id), Score: 1, Document: true})
			}
		}
	}
	probed := make([]uint32, 0, len(byBlock))
	for b := range byBlock {
		probed = append(probed, b)
	}
	slices.Sort(probed)
	shards = max(1, shards)
	found := make([][][]Candidate, shards)
	var wg sync.WaitGroup
	for w := range shards {
		found[w] = make([][]Candidate, len(es))
		wg.Go(func() {
			for _, p := range probed {
				b := x.blocks[p]
				n := len(b.filters)
				x.scan(b, n*w/shards, n*(w+1)/shards, byBlock[p], es, counts, threshold, found[w])
			}
		})
	}
	wg.Wait()
	for i := range out {
		for w := range found {
			out[i] = append(out[i], found[w][i]...)
		}
		out[i] = best(out[i], limit)
	}
	return out
}

// query is a new encoding as a scan reads it: its filter, its count and the stored counts that can
// reach the threshold with it, side by side in memory for all the encodings that probe a block.
type query struct {
	f      Filter
	count  int32
	lo, hi int32 // Dice cannot exceed 2·min/(sum): a stored count outside [lo, hi] cannot reach the threshold
	i      int32 // index in the new encodings
}

// scan compares the encodings from..to-1 of a block with the new encodings qs that probe it. The
// stored filter's words stay in registers while it is compared with every query; the division
// that gives the score is done only for a pair that reaches the threshold.
func (x *Index) scan(b *block, from, to int, qs []int32, es []Encoding, counts []int, threshold float64, found [][]Candidate) {
	ps := make([]query, len(qs))
	for k, q := range qs {
		ca := float64(counts[q])
		ps[k] = query{f: es[q].Filter, count: int32(counts[q]), lo: int32(ca * threshold / (2 - threshold)),
			hi: int32(ca*(2-threshold)/threshold) + 1, i: q}
	}
	// |a|+|b| = 2·|a∧b| + |a⊕b|, so Dice ≥ threshold exactly when |a⊕b| ≤ (1−threshold)·(|a|+|b|).
	// The first four words' differences already exceed that for most pairs that are not alike, and
	// the other four are then not read. far errs by a hair on the side of reading on: the score
	// itself, 2·|a∧b| / (|a|+|b|) ≥ threshold, decides.
	far := (1 - threshold) * (1 + 1e-9)
	for j := from; j < to; j++ {
		f, cb := &b.filters[j], b.counts[j]
		f0, f1, f2, f3, f4, f5, f6, f7 := f[0], f[1], f[2], f[3], f[4], f[5], f[6], f[7]
		for k := range ps {
			p := &ps[k]
			if cb < p.lo || cb > p.hi {
				continue
			}
			sum := p.count + cb
			most := far * float64(sum)
			d := bits.OnesCount64(p.f[0]^f0) + bits.OnesCount64(p.f[1]^f1) + bits.OnesCount64(p.f[2]^f2) + bits.OnesCount64(p.f[3]^f3)
			if float64(d) > most {
				continue
			}
			d += bits.OnesCount64(p.f[4]^f4) + bits.OnesCount64(p.f[5]^f5) + bits.OnesCount64(p.f[6]^f6) + bits.OnesCount64(p.f[7]^f7)
			if float64(d) > most {
				continue
			}
			if s := float64(int(sum)-d) / float64(sum); s >= threshold {
				found[p.i] = append(found[p.i], Candidate{ID: int(b.ids[j]), Score: s})
			}
		}
	}
}

// best sorts candidates best first, keeps one per stored encoding (a document match wins) and
// at most limit of them.
func best(cs []Candidate, limit int) []Candidate {
	sort.Slice(cs, func(i, j int) bool {
		if cs[i].Score != cs[j].Score {
			return cs[i].Score > cs[j].Score
		}
		if cs[i].ID != cs[j].ID {
			return cs[i].ID < cs[j].ID
		}
		return cs[i].Document
	})
	seen := map[int]bool{}
	out := cs[:0]
	for _, c := range cs {
		if !seen[c.ID] {
			seen[c.ID] = true
			out = append(out, c)
		}
	}
	if limit > 0 && len(out) > limit {
		out = out[:limit]
	}
	return out
}
