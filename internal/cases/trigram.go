package cases

import (
	"math"
	"slices"
	"strings"
	"time"
	"unicode"
)

// withinBatch adds to out the rows of the batch that look like the same person as another row:
// a shared document blind index, or a name similarity of at least NameSimilarity (trigrams as
// pg_trgm forms them) with the same nationality and close ages. Both rows get the warning, up to
// 2*MaxDuplicates warnings a row.
func withinBatch(persons []*Person, out [][]Duplicate, now time.Time) {
	if len(persons) < 2 {
		return
	}
	byDoc := map[string][]int{}
	for i, p := range persons {
		for _, b := range p.DocumentBidxs {
			byDoc[string(b)] = append(byDoc[string(b)], i)
		}
	}
	matched := map[[2]int]bool{}
	add := func(i, j int, reason string) {
		if matched[[2]int{i, j}] {
			return
		}
		matched[[2]int{i, j}], matched[[2]int{j, i}] = true, true
		ri, rj := i, j
		if len(out[i]) < 2*MaxDuplicates {
			out[i] = append(out[i], Duplicate{Row: &rj, Reason: reason})
		}
		if len(out[j]) < 2*MaxDuplicates {
			out[j] = append(out[j], Duplicate{Row: &ri, Reason: reason})
		}
	}
	for _, rows := range byDoc {
		for a := 0; a < len(rows); a++ {
			for b := a + 1; b < len(rows); b++ {
				if rows[a] != rows[b] {
					add(rows[a], rows[b], ReasonDocument)
				}
			}
		}
	}
	// Names: within each nationality, candidate pairs by prefix filtering, then verified.
	byNat := map[string][]int{}
	for i, p := range persons {
		byNat[p.Nationality] = append(byNat[p.Nationality], i)
	}
	for _, rows := range byNat {
		for _, pair := range similarPairs(persons, rows) {
			i, j := pair[0], pair[1]
			pi, pj := persons[i], persons[j]
			if !matched[[2]int{i, j}] &&
				closeInAge(pi.BirthDate, pi.AgeEstimate, pi.CreatedAt, pj.BirthDate, pj.AgeEstimate, pj.CreatedAt, now) {
				add(i, j, ReasonName)
			}
		}
	}
}

// nameRecord is one name (full name or alias) of one row.
type nameRecord struct {
	row    int
	grams  []uint64 // sorted by value, for similarity
	prefix []uint64 // the rarest grams, enough that two records at NameSimilarity share one
}

// similarPairs returns the pairs of distinct rows (i < j) with a name similarity of at least
// NameSimilarity. Prefix filtering keeps it near linear: two trigram sets with a Jaccard
// similarity of t share a trigram among the |x| - ceil(t*|x|) + 1 rarest of each.
func similarPairs(persons []*Person, rows []int) [][2]int {
	var recs []nameRecord
	freq := map[uint64]int{}
	for _, i := range rows {
		for _, n := range persons[i].names() {
			g := trigrams(n)
			if len(g) == 0 {
				continue
			}
			for _, t := range g {
				freq[t]++
			}
			recs = append(recs, nameRecord{row: i, grams: g})
		}
	}
	index := map[uint64][]int{} // trigram -> records whose prefix holds it
	seen := map[[2]int]bool{}
	var out [][2]int
	for r := range recs {
		rec := &recs[r]
		byFreq := slices.Clone(rec.grams)
		slices.SortFunc(byFreq, func(a, b uint64) int {
			if freq[a] != freq[b] {
				return freq[a] - freq[b]
			}
			return cmpUint(a, b)
		})
		n := len(byFreq) - int(math.Ceil(NameSimilarity*float64(len(byFreq)))) + 1
		rec.prefix = byFreq[:min(n, len(byFreq))]
		for _, t := range rec.prefix {
			for _, o := range index[t] {
				other := &recs[o]
				i, j := min(other.row, rec.row), max(other.row, rec.row)
				if i == j || seen[[2]int{i, j}] {
					continue
				}
				if similarity(rec.grams, other.grams) >= NameSimilarity {
					seen[[2]int{i, j}] = true
					out = append(out, [2]int{i, j})
				}
			}
			index[t] = append(index[t], r)
		}
	}
	return out
}

func cmpUint(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// trigrams returns the sorted, distinct trigrams of s as pg_trgm forms them: each word (letters,
// marks and digits; anything else separates words), lower-cased, padded with two spaces in front
// and one behind. A trigram is its three runes packed in 21 bits each.
func trigrams(s string) []uint64 {
	var out []uint64
	for _, w := range strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r) && !unicode.IsMark(r)
	}) {
		rs := append([]rune("  "+w), ' ')
		for k := 0; k+3 <= len(rs); k++ {
			out = append(out, uint64(rs[k])<<42|uint64(rs[k+1])<<21|uint64(rs[k+2]))
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// similarity is pg_trgm's similarity of two sorted trigram sets: shared / (all distinct).
func similarity(a, b []uint64) float64 {
	if len(a) == 0 || len(b) == 0 {
		return 0
	}
	shared := 0
	for i, j := 0, 0; i < len(a) && j < len(b); {
		switch {
		case a[i] == b[j]:
			shared++
			i++
			j++
		case a[i] < b[j]:
			i++
		default:
			j++
		}
	}
	return float64(shared) / float64(len(a)+len(b)-shared)
}
