package exports

import (
	"strconv"
	"strings"
)

// MinCell is the small-cell threshold: a combination of quasi-identifiers shared by fewer rows than
// this is generalised or suppressed.
const MinCell = 5

// OtherCitizenship replaces a citizenship too rare to show.
const OtherCitizenship = "other"

// QuasiIDs are the fields of a de-identified row that, combined, could single a person out.
type QuasiIDs struct {
	Citizenship string // ISO 3166-1 alpha-2, or OtherCitizenship
	Gender      string
	BirthYear   string // "1994", a decade "1990-1999", or "" unknown
	RegYear     string // year the case was registered
}

func (q QuasiIDs) key() string {
	return q.Citizenship + "|" + q.Gender + "|" + q.BirthYear + "|" + q.RegYear
}

// Decade generalises a year of birth to its ten-year band ("1994" -> "1990-1999"); a value that is
// not a year (unknown, already a band) is returned as it is.
func Decade(year string) string {
	y, err := strconv.Atoi(year)
	if err != nil || strings.Contains(year, "-") {
		return year
	}
	d := y / 10 * 10
	return strconv.Itoa(d) + "-" + strconv.Itoa(d+9)
}

// Generalise applies the small-cell rule to rows' quasi-identifiers: rows whose combination is shared
// by fewer than k rows first get their year of birth as a decade, then (those still under k) their
// citizenship as "other", and those still under k are suppressed. It returns the indexes of the rows
// kept, in order, with their generalised quasi-identifiers, and the number suppressed. It does not
// change ids; every kept combination is shared by at least k rows.
func Generalise(ids []QuasiIDs, k int) (kept []int, out []QuasiIDs, suppressed int) {
	out = make([]QuasiIDs, len(ids))
	copy(out, ids)
	steps := []func(*QuasiIDs){
		func(q *QuasiIDs) { q.BirthYear = Decade(q.BirthYear) },
		func(q *QuasiIDs) { q.Citizenship = OtherCitizenship },
	}
	for _, step := range steps {
		small := smallGroups(out, k)
		for i := range out {
			if small[out[i].key()] {
				step(&out[i])
			}
		}
	}
	small := smallGroups(out, k)
	kept = make([]int, 0, len(out))
	final := make([]QuasiIDs, 0, len(out))
	for i, q := range out {
		if small[q.key()] {
			suppressed++
			continue
		}
		kept = append(kept, i)
		final = append(final, q)
	}
	return kept, final, suppressed
}

// smallGroups returns the combinations shared by fewer than k rows.
func smallGroups(ids []QuasiIDs, k int) map[string]bool {
	n := map[string]int{}
	for _, q := range ids {
		n[q.key()]++
	}
	small := map[string]bool{}
	for key, c := range n {
		if c < k {
			small[key] = true
		}
	}
	return small
}
