package cases

import (
	"math"
	"runtime"
	"slices"
	"sync"
	"time"

	"gorm.io/gorm"
)

// largeBatch is the batch size from which names are matched in memory against the store's names,
// rather than one trigram index probe per row: with common names a probe of the GIN index reads
// much of the store, so 2,000 probes cost minutes on a store of 100,000, while one read of the
// names of the batch's nationalities and a prefix-filtered match costs about a second.
const largeBatch = 20

// storedName is the part of a stored person the name match needs.
type storedName struct {
	ID          string
	MergedInto  *string
	Nationality string
	GivenName   string
	FamilyName  string
	Aliases     TextList
	BirthDate   *time.Time
	AgeEstimate *int
	CreatedAt   time.Time
}

const storedNamesSQL = `SELECT id, merged_into, nationality, given_name, family_name, aliases, birth_date, age_estimate, created_at
FROM persons WHERE nationality = ANY(?)`

// gramKey is a trigram within one nationality: names only match within the same nationality.
type gramKey struct {
	nat  string
	gram uint64
}

// nameGrams is one name of one person with its trigrams, sorted, and its prefix of rarest ones.
type nameGrams struct {
	owner  int // index into the stored slice, or into the batch
	grams  []uint64
	prefix []uint64
}

// storeNameCandidates finds, for each new person, the stored persons of the same nationality whose
// full name or an alias has a trigram similarity of at least NameSimilarity with one of theirs.
// Prefix filtering (with one global order of trigrams, rarest first) finds every such pair while
// comparing only records that share a rare trigram.
func storeNameCandidates(tx *gorm.DB, persons []*Person) ([]candidate, error) {
	nats := map[string]bool{}
	for _, p := range persons {
		nats[p.Nationality] = true
	}
	stored, err := loadStoredNames(tx, keys(nats))
	if err != nil {
		return nil, err
	}
	freq := map[uint64]int{}
	gramsOf := func(names []string, owner int) []nameGrams {
		var out []nameGrams
		for _, n := range names {
			if g := trigrams(n); len(g) > 0 {
				for _, t := range g {
					freq[t]++
				}
				out = append(out, nameGrams{owner: owner, grams: g})
			}
		}
		return out
	}
	var storedRecs, newRecs []nameGrams
	for i, s := range stored {
		p := Person{GivenName: s.GivenName, FamilyName: s.FamilyName, Aliases: s.Aliases}
		storedRecs = append(storedRecs, gramsOf(p.names(), i)...)
	}
	for i, p := range persons {
		newRecs = append(newRecs, gramsOf(p.names(), i)...)
	}
	index := map[gramKey][]int32{}
	for r := range storedRecs {
		rec := &storedRecs[r]
		rec.prefix = prefixOf(rec.grams, freq)
		nat := stored[rec.owner].Nationality
		for _, t := range rec.prefix {
			index[gramKey{nat, t}] = append(index[gramKey{nat, t}], int32(r))
		}
	}
	// Probe with the new names, split over the cores; the index and freq are only read from here on.
	prefixes := make([][]uint64, len(newRecs))
	for n, rec := range newRecs {
		prefixes[n] = prefixOf(rec.grams, freq)
	}
	workers := max(1, min(runtime.GOMAXPROCS(0), len(newRecs)/100))
	parts := make([]map[[2]int]float64, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			found := map[[2]int]float64{}              // (new person, stored person) -> best similarity
			compared := make([]int32, len(storedRecs)) // stored record -> 1 + the last new record compared
			for n := w; n < len(newRecs); n += workers {
				rec := newRecs[n]
				nat := persons[rec.owner].Nationality
				for _, t := range prefixes[n] {
					for _, o := range index[gramKey{nat, t}] {
						if compared[o] == int32(n+1) {
							continue
						}
						compared[o] = int32(n + 1)
						key := [2]int{rec.owner, storedRecs[o].owner}
						if sim := similarity(rec.grams, storedRecs[o].grams); sim >= NameSimilarity && sim > found[key] {
							found[key] = sim
						}
					}
				}
			}
			parts[w] = found
		}()
	}
	wg.Wait()
	best := map[[2]int]float64{}
	for _, part := range parts {
		for key, sim := range part {
			if sim > best[key] {
				best[key] = sim
			}
		}
	}
	out := make([]candidate, 0, len(best))
	for key, sim := range best {
		s := stored[key[1]]
		out = append(out, candidate{RowIndex: key[0], Reason: ReasonName, Score: sim, ID: s.ID, MergedInto: s.MergedInto,
			BirthDate: s.BirthDate, AgeEstimate: s.AgeEstimate, CreatedAt: s.CreatedAt})
	}
	return out, nil
}

// prefixOf returns the rarest trigrams of grams, enough that two sets with a Jaccard similarity of
// NameSimilarity share one of them.
func prefixOf(grams []uint64, freq map[uint64]int) []uint64 {
	byFreq := slices.Clone(grams)
	slices.SortFunc(byFreq, func(a, b uint64) int {
		if freq[a] != freq[b] {
			return freq[a] - freq[b]
		}
		return cmpUint(a, b)
	})
	n := len(byFreq) - int(math.Ceil(NameSimilarity*float64(len(byFreq)))) + 1
	return byFreq[:min(n, len(byFreq))]
}

func keys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// loadStoredNames reads the names of the persons of some nationalities, scanning by hand: it reads
// the whole of those nationalities, so reflection per row would cost more than the match itself.
func loadStoredNames(tx *gorm.DB, nats []string) ([]storedName, error) {
	rows, err := tx.Raw(storedNamesSQL, TextList(nats)).Rows()
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []storedName
	for rows.Next() {
		var s storedName
		if err := rows.Scan(&s.ID, &s.MergedInto, &s.Nationality, &s.GivenName, &s.FamilyName, &s.Aliases,
			&s.BirthDate, &s.AgeEstimate, &s.CreatedAt); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}
