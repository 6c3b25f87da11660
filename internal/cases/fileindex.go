package cases

import (
	"math"
	"slices"
	"time"
)

// fileIndex finds the rows of a file that look like the same person, a row at a time (as
// withinBatch does for one batch): a shared document blind index, or a name similarity of at least
// NameSimilarity with the same nationality and close ages. It keeps, per row, its age facts, its
// names' trigrams and its blind indexes: small and bounded by the file's rows, never the store's.
type fileIndex struct {
	rows    []fileRow
	names   []fileName
	byDoc   map[string][]int32    // blind index -> rows
	byGram  map[gramKey][]int32   // nationality and prefix trigram -> name records
	matched map[[2]int32]struct{} // pairs found (earlier, later)
}

// fileRow is what closeInAge needs of a row.
type fileRow struct {
	birth *time.Time
	age   *int
	at    time.Time
}

// fileName is one name (full name or alias) of a row, as sorted trigrams.
type fileName struct {
	row   int32
	grams []uint64
}

type gramKey struct {
	nat  string
	gram uint64
}

// filePair is a row of the file found to be the same person as the row just added.
type filePair struct {
	row    int
	reason string
}

// add indexes person p as row (rows are added in increasing order, each once) and returns the
// earlier rows it may duplicate, documents first, at most 2*MaxDuplicates (what a row may report):
// a file of one name many times over costs a bounded number of pairs a row, not one per earlier row.
func (x *fileIndex) add(row int, p *Person, now time.Time) []filePair {
	if x.byDoc == nil {
		x.byDoc, x.byGram, x.matched = map[string][]int32{}, map[gramKey][]int32{}, map[[2]int32]struct{}{}
	}
	for len(x.rows) <= row {
		x.rows = append(x.rows, fileRow{})
	}
	x.rows[row] = fileRow{birth: p.BirthDate, age: p.AgeEstimate, at: p.CreatedAt}
	var out []filePair
	full := func() bool { return len(out) >= 2*MaxDuplicates }
	found := func(other int32, reason string) {
		key := [2]int32{other, int32(row)}
		if _, ok := x.matched[key]; ok {
			return
		}
		x.matched[key] = struct{}{}
		out = append(out, filePair{row: int(other), reason: reason})
	}
	for _, b := range p.DocumentBidxs {
		for _, other := range x.byDoc[string(b)] {
			if int(other) != row && !full() {
				found(other, ReasonDocument)
			}
		}
		if rows := x.byDoc[string(b)]; len(rows) == 0 || rows[len(rows)-1] != int32(row) {
			x.byDoc[string(b)] = append(rows, int32(row))
		}
	}
	me := x.rows[row]
	for _, n := range p.names() {
		grams := trigrams(n)
		if len(grams) == 0 {
			continue
		}
		for _, t := range namePrefix(grams) {
			key := gramKey{p.Nationality, t}
			for _, o := range x.byGram[key] {
				other := x.names[o]
				if int(other.row) == row || full() {
					continue
				}
				if _, ok := x.matched[[2]int32{other.row, int32(row)}]; ok {
					continue
				}
				them := x.rows[other.row]
				if similarity(grams, other.grams) >= NameSimilarity &&
					closeInAge(me.birth, me.age, me.at, them.birth, them.age, them.at, now) {
					found(other.row, ReasonName)
				}
			}
		}
		rec := int32(len(x.names))
		x.names = append(x.names, fileName{row: int32(row), grams: grams})
		for _, t := range namePrefix(grams) {
			key := gramKey{p.Nationality, t}
			x.byGram[key] = append(x.byGram[key], rec)
		}
	}
	return out
}

// namePrefix is the prefix of a trigram set under one fixed order of all trigrams (a mixing hash):
// two sets with a similarity of at least NameSimilarity share a trigram among the
// |x| - ceil(NameSimilarity*|x|) + 1 first of each (prefix filtering), so only names sharing a
// prefix trigram are compared.
func namePrefix(grams []uint64) []uint64 {
	byMix := slices.Clone(grams)
	slices.SortFunc(byMix, func(a, b uint64) int { return cmpUint(mixGram(a), mixGram(b)) })
	n := len(byMix) - int(math.Ceil(NameSimilarity*float64(len(byMix)))) + 1
	return byMix[:min(n, len(byMix))]
}

// mixGram scatters trigrams over the order, so the padding trigrams every word has are not all first.
func mixGram(g uint64) uint64 { return g * 0x9E3779B97F4A7C15 }
