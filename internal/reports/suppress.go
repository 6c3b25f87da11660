package reports

import (
	"sort"
	"strconv"
)

// SmallCell is the small-cell threshold: a count from 1 to SmallCell-1 shown to a reader who may
// not see cases (an analyst) is written "<5". Zero is shown: it discloses no person.
const SmallCell = 5

// Hidden is how a suppressed count is written.
const Hidden = "<5"

// Display writes a count under the small-cell rule: "<5" for 1 to 4, else the number.
func Display(n int) string {
	if n > 0 && n < SmallCell {
		return Hidden
	}
	return strconv.Itoa(n)
}

// Count is a published count: the number, or hidden under the small-cell rule.
type Count struct {
	N      int
	Hidden bool
}

// String is the count as shown: the number or "<5".
func (c Count) String() string {
	if c.Hidden {
		return Hidden
	}
	return strconv.Itoa(c.N)
}

// Value is the number to draw a bar with: 0 when hidden, so a bar never reveals a hidden count.
func (c Count) Value() int {
	if c.Hidden {
		return 0
	}
	return c.N
}

// MarshalJSON publishes a count as a number, or the string "<5" when hidden.
func (c Count) MarshalJSON() ([]byte, error) {
	if c.Hidden {
		return []byte(`"` + Hidden + `"`), nil
	}
	return []byte(strconv.Itoa(c.N)), nil
}

// count publishes n, hidden when suppress is set and n is a small cell.
func count(n int, suppress bool) Count {
	return Count{N: n, Hidden: suppress && n > 0 && n < SmallCell}
}

// Row is one labelled count of a breakdown.
type Row struct {
	Key   string `json:"key"`
	Count Count  `json:"count"`
}

// breakdown turns a map into rows sorted by count (largest first, then key) and, when suppress is
// set, applies the small-cell rule to the rows as parts of a whole whose total the reader may know
// (the same cases appear in every breakdown, and a total is shown elsewhere): every small cell is
// hidden, and when exactly one cell would be hidden the next smallest non-zero cell is hidden too,
// so no hidden cell is the total minus the shown ones.
func breakdown(m map[string]int, suppress bool) []Row {
	rows := make([]Row, 0, len(m))
	for k, n := range m {
		rows = append(rows, Row{Key: k, Count: Count{N: n}})
	}
	sort.Slice(rows, func(i, j int) bool {
		if rows[i].Count.N != rows[j].Count.N {
			return rows[i].Count.N > rows[j].Count.N
		}
		return rows[i].Key < rows[j].Key
	})
	if suppress {
		suppressParts(rows)
	}
	return rows
}

// suppressParts applies primary and complementary suppression to the parts of one total.
func suppressParts(rows []Row) {
	hidden := 0
	for i := range rows {
		if n := rows[i].Count.N; n > 0 && n < SmallCell {
			rows[i].Count.Hidden = true
			hidden++
		}
	}
	if hidden != 1 {
		return
	}
	pick := -1
	for i := range rows {
		if !rows[i].Count.Hidden && rows[i].Count.N > 0 && (pick < 0 || rows[i].Count.N < rows[pick].Count.N) {
			pick = i
		}
	}
	if pick >= 0 {
		rows[pick].Count.Hidden = true
	}
}

// PublishBreakdown is a map of counts as published rows (see breakdown), for callers that show
// their own breakdowns under the same rule.
func PublishBreakdown(m map[string]int, suppress bool) []Row { return breakdown(m, suppress) }
