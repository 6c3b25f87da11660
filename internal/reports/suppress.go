package reports

import (
	"sort"
	"strconv"

	"homeward/internal/smallcell"
)

// SmallCell is the small-cell threshold: a count from 1 to SmallCell-1 shown to a reader who may
// not see cases (an analyst) is written "<5". Zero is shown: it discloses no person.
const SmallCell = smallcell.SmallCell

// Hidden is how a suppressed small count is written.
const Hidden = smallcell.Suppressed

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

// String is the count as shown: the number, "<5" for a hidden count from 1 to 4, or "x" for a
// count hidden only so that another cannot be worked out (0 or at least 5: "<5" would be false).
func (c Count) String() string {
	return smallcell.Cell{Value: c.N, Suppressed: c.Hidden}.String()
}

// Value is the number to draw a bar with: 0 when hidden, so a bar never reveals a hidden count.
func (c Count) Value() int {
	if c.Hidden {
		return 0
	}
	return c.N
}

// MarshalJSON publishes a count as a number, or the string "<5" or "x" when hidden.
func (c Count) MarshalJSON() ([]byte, error) {
	if c.Hidden {
		return []byte(`"` + c.String() + `"`), nil
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

// parts is a breakdown being published: its keys in key order and a one-row grid of their counts
// whose row total is their sum, the whole a reader may know.
type parts struct {
	keys []string
	grid *smallcell.Grid
}

func newParts(m map[string]int) parts {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	row := make([]int, len(keys))
	for i, k := range keys {
		row[i] = m[k]
	}
	return parts{keys: keys, grid: smallcell.NewGrid([][]int{row}, false)}
}

func (p parts) total() *smallcell.Cell { return &p.grid.RowTotal[0] }

// rows lists the parts as published: shown counts first, largest first, then by key; hidden ones
// after them by key only. A hidden count never decides an order: between two shown neighbours
// it would be bounded by them.
func (p parts) rows() []Row {
	out := make([]Row, len(p.keys))
	for i, k := range p.keys {
		c := p.grid.Inner[0][i]
		out[i] = Row{Key: k, Count: Count{N: c.Value, Hidden: c.Suppressed}}
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i].Count, out[j].Count
		switch {
		case a.Hidden != b.Hidden:
			return !a.Hidden
		case !a.Hidden && a.N != b.N:
			return a.N > b.N
		}
		return out[i].Key < out[j].Key
	})
	return out
}

// publishLinked publishes breakdowns that each split the same total (the cases of a dashboard, the
// persons of an operation) and that total. With suppress, every count from 1 to 4 is hidden, then
// more cells ("x") until no hidden cell of any breakdown can be worked out from the total, the
// shown parts and the markers (smallcell.Suppress); a total hidden for one breakdown is hidden
// for all, since each would give it away. A breakdown whose parts do not add up to the total is
// suppressed against its own sum, as if the reader knew it.
func publishLinked(total int, suppress bool, ms ...map[string]int) (Count, [][]Row) {
	ps := make([]parts, len(ms))
	var linked []parts
	for i, m := range ms {
		ps[i] = newParts(m)
		if ps[i].total().Value == total {
			linked = append(linked, ps[i])
		}
	}
	tot := Count{N: total}
	if suppress {
		for _, p := range ps {
			smallcell.Suppress(p.grid)
		}
		tot.Hidden = total > 0 && total < SmallCell
		for again := true; again; {
			again = false
			for _, p := range linked {
				tot.Hidden = tot.Hidden || p.total().Suppressed
			}
			for _, p := range linked {
				if tot.Hidden && !p.total().Suppressed {
					p.total().Suppressed, again = true, true
					smallcell.Suppress(p.grid)
				}
			}
		}
	}
	out := make([][]Row, len(ps))
	for i, p := range ps {
		out[i] = p.rows()
	}
	return tot, out
}

// PublishBreakdown is a map of counts as published rows, the parts of a total the reader may
// know (see publishLinked), for callers that show their own breakdowns under the same rule.
func PublishBreakdown(m map[string]int, suppress bool) []Row {
	total := 0
	for _, n := range m {
		total += n
	}
	_, rows := publishLinked(total, suppress, m)
	return rows[0]
}
