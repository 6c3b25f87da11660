package linkage

import (
	"errors"
	"runtime"
	"sort"
	"sync"
)

// Threshold is the Dice score from which the hub records a candidate match, chosen on the
// labelled test set (BenchmarkLinkageQuality prints precision and recall around it).
const Threshold = 0.75

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
// once for all the encodings that probe it, on every core.
func (x *Index) MatchAll(es []Encoding, threshold float64, limit int) [][]Candidate {
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
	jobs := make(chan uint32, len(byBlock))
	for b := range byBlock {
		jobs <- b
	}
	close(jobs)
	workers := runtime.GOMAXPROCS(0)
	found := make([][][]Candidate, workers)
	var wg sync.WaitGroup
	for w := range workers {
		found[w] = make([][]Candidate, len(es))
		wg.Add(1)
		go func() {
			defer wg.Done()
			for b := range jobs {
				x.scan(x.blocks[b], byBlock[b], es, counts, threshold, found[w])
			}
		}()
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

// scan compares every encoding of a block with the new encodings qs that probe it.
func (x *Index) scan(b *block, qs []int32, es []Encoding, counts []int, threshold float64, found [][]Candidate) {
	// Dice cannot exceed 2·min/(sum): a stored count outside [lo, hi] cannot reach the threshold.
	lo, hi := make([]int32, len(qs)), make([]int32, len(qs))
	for k, q := range qs {
		ca := float64(counts[q])
		lo[k], hi[k] = int32(ca*threshold/(2-threshold)), int32(ca*(2-threshold)/threshold)+1
	}
	for j := range b.filters {
		f, cb := &b.filters[j], b.counts[j]
		for k, q := range qs {
			if cb < lo[k] || cb > hi[k] {
				continue
			}
			sum := float64(counts[q] + int(cb))
			if s := 2 * float64(and(&es[q].Filter, f)) / sum; s >= threshold {
				found[q] = append(found[q], Candidate{ID: int(b.ids[j]), Score: s})
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
