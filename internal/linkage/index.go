package linkage

import (
	"errors"
	"runtime"
	"sort"
	"sync"
)

// Candidate is a stored encoding that may be the same person as a new one.
type Candidate struct {
	ID       int     // the stored encoding's index in the Index
	Score    float64 // Dice coefficient of the filters; 1 on a document match
	Document bool    // a document number's HMAC is equal
}

// Index holds one country's encodings in the hub, grouped by block, for matching the other
// country's new encodings against them. It is safe for concurrent reads after it is built.
type Index struct {
	version uint32
	filters []Filter
	counts  []int32
	blocks  map[uint32][]int32
	docs    map[[DocBytes]byte][]int32
}

// NewIndex returns an empty index of the encodings made under one linkage key version, with
// room for n of them.
func NewIndex(version uint32, n int) *Index {
	return &Index{version: version, filters: make([]Filter, 0, n), counts: make([]int32, 0, n),
		blocks: map[uint32][]int32{}, docs: map[[DocBytes]byte][]int32{}}
}

// ErrKeyVersion is returned for an encoding made under another linkage key version.
var ErrKeyVersion = errors.New("linkage: encoding of another key version")

// Add stores an encoding and returns its ID.
func (x *Index) Add(e *Encoding) (int, error) {
	if e.KeyVersion != x.version {
		return 0, ErrKeyVersion
	}
	id := int32(len(x.filters))
	x.filters = append(x.filters, e.Filter)
	x.counts = append(x.counts, int32(e.Filter.Count()))
	x.blocks[e.Block] = append(x.blocks[e.Block], id)
	for _, d := range e.Docs {
		x.docs[d] = append(x.docs[d], id)
	}
	return int(id), nil
}

// Len returns the number of encodings stored.
func (x *Index) Len() int { return len(x.filters) }

// Match returns the stored encodings whose Dice score with e reaches threshold, in the blocks e
// probes, and every encoding that shares a document HMAC with e (score 1), best first, at most
// limit of them. An encoding of another key version matches nothing.
func (x *Index) Match(e *Encoding, threshold float64, limit int) []Candidate {
	var out []Candidate
	if e.KeyVersion != x.version {
		return nil // encodings under two keys share nothing but chance
	}
	seen := map[int32]bool{}
	for _, d := range e.Docs {
		for _, id := range x.docs[d] {
			if !seen[id] {
				seen[id] = true
				out = append(out, Candidate{ID: int(id), Score: 1, Document: true})
			}
		}
	}
	ca := e.Filter.Count()
	for _, b := range e.Probes {
		for _, id := range x.blocks[b] {
			cb := int(x.counts[id])
			// Dice cannot exceed 2·min/(sum): skip what cannot reach the threshold.
			if 2*float64(min(ca, cb)) < threshold*float64(ca+cb) {
				continue
			}
			s := 2 * float64(and(&e.Filter, &x.filters[id])) / float64(ca+cb)
			if s >= threshold && !seen[id] {
				out = append(out, Candidate{ID: int(id), Score: s})
			}
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Score != out[j].Score {
			return out[i].Score > out[j].Score
		}
		return out[i].ID < out[j].ID
	})
	if limit > 0 && len(out) > limit {
		out = out[:limit]
	}
	return out
}

// MatchAll matches many new encodings in parallel; result i belongs to es[i].
func (x *Index) MatchAll(es []Encoding, threshold float64, limit int) [][]Candidate {
	out := make([][]Candidate, len(es))
	var wg sync.WaitGroup
	workers := runtime.GOMAXPROCS(0)
	next := make(chan int, len(es))
	for i := range es {
		next <- i
	}
	close(next)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				out[i] = x.Match(&es[i], threshold, limit)
			}
		}()
	}
	wg.Wait()
	return out
}

// Threshold is the Dice score from which the hub records a candidate match, chosen on the
// labelled test set (BenchmarkLinkageQuality prints precision and recall around it).
const Threshold = 0.75
