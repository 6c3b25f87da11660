// Package smallcell publishes counts under the small-cell rule: a count from 1 to 4 is hidden as
// "<5", and further cells are hidden ("x") until no hidden cell can be worked out from the totals
// and the markers. The joint report and the store dashboards publish through it.
package smallcell

import "strconv"

// SmallCell is the threshold of the small-cell rule: a published count from 1 to SmallCell-1 is
// shown as "<5". Zero is shown as 0: an empty cell discloses no person, and hiding every zero would
// blank most tables of a small store. (A zero may still be hidden as a complementary cell.)
const SmallCell = 5

// Suppressed is how a count from 1 to 4 is written, on pages, in CSV and in JSON.
const Suppressed = "<5"

// Hidden is how a complementary cell is written: a count of 0 or at least 5, hidden only so that
// a "<5" cannot be worked out from the totals. Writing it "<5" would be false (it may be 25) and
// protect nothing more: the shown total already tells that the hidden pair is large.
const Hidden = "x"

// Cell is one published count and whether it is hidden.
type Cell struct {
	Value      int  `json:"-"`
	Suppressed bool `json:"-"`
}

// String is the cell as published: the count, "<5" for a small count, "x" for a complementary cell.
func (c Cell) String() string {
	switch {
	case c.Suppressed && c.Value > 0 && c.Value < SmallCell:
		return Suppressed
	case c.Suppressed:
		return Hidden
	}
	return strconv.Itoa(c.Value)
}

// MarshalJSON publishes a cell as a number, or the string "<5" or "x" when suppressed.
func (c Cell) MarshalJSON() ([]byte, error) {
	if c.Suppressed {
		return []byte(`"` + c.String() + `"`), nil
	}
	return []byte(strconv.Itoa(c.Value)), nil
}

// Grid is a table of counts, rows × columns (the columns are the stores), with its margins:
// RowTotal is each row summed over the columns (the Combined column); ColTotal is each column
// summed over the rows (the Total row) and Grand the sum of everything, present only when the
// rows partition a population (HasTotalRow). Every cell of it is published, so every one is
// subject to the small-cell rule, margins included.
type Grid struct {
	Inner       [][]Cell
	RowTotal    []Cell
	ColTotal    []Cell
	Grand       Cell
	HasTotalRow bool
}

// NewGrid builds a grid and its margins from counts: counts[r][c], every row of the same length.
func NewGrid(counts [][]int, hasTotalRow bool) *Grid {
	g := &Grid{HasTotalRow: hasTotalRow, Inner: make([][]Cell, len(counts)), RowTotal: make([]Cell, len(counts))}
	cols := 0
	if len(counts) > 0 {
		cols = len(counts[0])
	}
	if hasTotalRow {
		g.ColTotal = make([]Cell, cols)
	}
	for r, row := range counts {
		g.Inner[r] = make([]Cell, len(row))
		for c, v := range row {
			g.Inner[r][c].Value = v
			g.RowTotal[r].Value += v
			if hasTotalRow {
				g.ColTotal[c].Value += v
				g.Grand.Value += v
			}
		}
	}
	return g
}

// member is a cell in one additive relation (parts + total).
type member struct {
	cell  *Cell
	total bool
}

// relations lists every additive relation of the grid: each row with its Combined cell, and, with
// a total row, each column with its total, the total row with the grand total and the Combined
// column with the grand total. A reader can subtract along any of them.
func (g *Grid) relations() [][]member {
	var out [][]member
	for r := range g.Inner {
		var rel []member
		for c := range g.Inner[r] {
			rel = append(rel, member{cell: &g.Inner[r][c]})
		}
		out = append(out, append(rel, member{cell: &g.RowTotal[r], total: true}))
	}
	if !g.HasTotalRow {
		return out
	}
	for c := range g.ColTotal {
		var rel []member
		for r := range g.Inner {
			rel = append(rel, member{cell: &g.Inner[r][c]})
		}
		out = append(out, append(rel, member{cell: &g.ColTotal[c], total: true}))
	}
	var totalRow, combinedCol []member
	for c := range g.ColTotal {
		totalRow = append(totalRow, member{cell: &g.ColTotal[c]})
	}
	for r := range g.RowTotal {
		combinedCol = append(combinedCol, member{cell: &g.RowTotal[r]})
	}
	out = append(out, append(totalRow, member{cell: &g.Grand, total: true}))
	out = append(out, append(combinedCol, member{cell: &g.Grand, total: true}))
	return out
}

// Cells lists every published cell of the grid once: each inner row then its total, then the
// total row and the grand total.
func (g *Grid) Cells() []*Cell { return g.cells() }

// Shown renders the grid as published: inner rows with their Combined cell, then the total row.
func (g *Grid) Shown() [][]string {
	var out [][]string
	for r := range g.Inner {
		var row []string
		for _, c := range g.Inner[r] {
			row = append(row, c.String())
		}
		out = append(out, append(row, g.RowTotal[r].String()))
	}
	if g.HasTotalRow {
		var row []string
		for _, c := range g.ColTotal {
			row = append(row, c.String())
		}
		out = append(out, append(row, g.Grand.String()))
	}
	return out
}

// Reorder puts the inner rows in the order of perm (perm[i] is the old index of new row i).
func (g *Grid) Reorder(perm []int) {
	inner, totals := make([][]Cell, len(perm)), make([]Cell, len(perm))
	for i, old := range perm {
		inner[i], totals[i] = g.Inner[old], g.RowTotal[old]
	}
	g.Inner, g.RowTotal = inner, totals
}

// cells lists every published cell of the grid once.
func (g *Grid) cells() []*Cell {
	var out []*Cell
	for r := range g.Inner {
		for c := range g.Inner[r] {
			out = append(out, &g.Inner[r][c])
		}
		out = append(out, &g.RowTotal[r])
	}
	if g.HasTotalRow {
		for c := range g.ColTotal {
			out = append(out, &g.ColTotal[c])
		}
		out = append(out, &g.Grand)
	}
	return out
}

// Suppress applies the small-cell rule to the grid in place and reports whether it hid anything
// new. Primary suppression hides every count from 1 to 4, margins included. Complementary
// suppression then repeats until no relation (a row with its Combined cell, a column with its
// total, the total row, the Combined column) holds exactly one hidden cell, since that one cell
// would be its total minus the shown parts; nor any relation where the markers pin a hidden cell
// ("<5" is 1..4, "x" is 0 or at least 5: a "<5" beside an "x" summing to 6 can only be 1 and 5;
// see pinned). Each step hides one shown cell of a leaking relation,
// chosen by looking ahead: for each candidate it finishes the table greedily (fill) and keeps the
// candidate that ends with the least hidden (a margin costs MarginCost: totals are the most useful
// figures, and a hidden total spreads to the tables that share it); ties go to a non-zero cell (a
// hidden zero protects little), then as fill would choose. Cells already hidden stay hidden, so
// Suppress can run again after a linked table hid a shared total.
func Suppress(g *Grid) bool {
	changed := false
	for _, c := range g.cells() {
		if c.Value > 0 && c.Value < SmallCell && !c.Suppressed {
			c.Suppressed, changed = true, true
		}
	}
	st := newState(g)
	for {
		score := st.leaks()
		if len(score) == 0 {
			return changed
		}
		var best *Cell
		bestCost := 0
		for c := range score {
			saved := st.save()
			c.Suppressed = true
			st.fill()
			cost := st.cost()
			st.restore(saved)
			if best == nil || cost < bestCost || cost == bestCost && st.better(c, best, score) {
				best, bestCost = c, cost
			}
		}
		best.Suppressed, changed = true, true
	}
}

// MarginCost is what hiding a total costs against hiding an inner cell, in Suppress's look-ahead.
const MarginCost = 3

// state is a grid's relations and the facts Suppress orders candidates by.
type state struct {
	upper  int // the bound of an "x" in pinned: none, as one relation alone bounds nothing
	cells  []*Cell
	rels   [][]member
	margin map[*Cell]bool
	rank   map[*Cell]int
}

func newState(g *Grid) *state {
	st := &state{cells: g.cells(), rels: g.relations(), margin: g.margins(), rank: map[*Cell]int{}}
	for i, c := range st.cells {
		st.rank[c] = i
	}
	st.upper = 1 << 40
	return st
}

// leaks maps each shown cell of a leaking relation (one where a hidden cell is pinned) to the
// number of leaking relations it is in.
func (st *state) leaks() map[*Cell]int {
	score := map[*Cell]int{}
	for _, rel := range st.rels {
		if !pinned(rel, st.upper) {
			continue
		}
		for _, m := range rel {
			if !m.cell.Suppressed {
				score[m.cell]++
			}
		}
	}
	return score
}

// fill closes every leak greedily, each time hiding the first candidate in better's order.
func (st *state) fill() {
	for {
		score := st.leaks()
		if len(score) == 0 {
			return
		}
		var best *Cell
		for c := range score {
			if best == nil || st.better(c, best, score) {
				best = c
			}
		}
		best.Suppressed = true
	}
}

// cost weighs the hidden cells: MarginCost for a total, 1 for an inner cell.
func (st *state) cost() int {
	n := 0
	for _, c := range st.cells {
		if c.Suppressed {
			n++
			if st.margin[c] {
				n += MarginCost - 1
			}
		}
	}
	return n
}

func (st *state) save() []bool {
	out := make([]bool, len(st.cells))
	for i, c := range st.cells {
		out[i] = c.Suppressed
	}
	return out
}

func (st *state) restore(saved []bool) {
	for i, c := range st.cells {
		c.Suppressed = saved[i]
	}
}

// better orders candidate complementary cells: non-zero, most leaks closed, part before margin,
// smallest, first in the table.
func (st *state) better(a, b *Cell, score map[*Cell]int) bool {
	switch {
	case (a.Value == 0) != (b.Value == 0):
		return b.Value == 0
	case score[a] != score[b]:
		return score[a] > score[b]
	case st.margin[a] != st.margin[b]:
		return st.margin[b]
	case a.Value != b.Value:
		return a.Value < b.Value
	}
	return st.rank[a] < st.rank[b]
}

// margins are the grid's total cells: the Combined column, the total row and the grand total.
func (g *Grid) margins() map[*Cell]bool {
	out := map[*Cell]bool{&g.Grand: true}
	for r := range g.RowTotal {
		out[&g.RowTotal[r]] = true
	}
	for c := range g.ColTotal {
		out[&g.ColTotal[c]] = true
	}
	return out
}

// SuppressLinked suppresses grids whose total rows count the same population (every grid of a
// group holds the same column totals, e.g. persons by nationality and persons by sex): a total
// hidden in one is hidden in all, else the other table would show it, and suppression runs again
// until nothing changes.
func SuppressLinked(group ...*Grid) {
	for _, g := range group {
		Suppress(g)
	}
	for again := true; again; {
		again = false
		for _, g := range group {
			for _, h := range group {
				if g == h || !g.HasTotalRow || !h.HasTotalRow || len(g.ColTotal) != len(h.ColTotal) {
					continue
				}
				for c := range g.ColTotal {
					if g.ColTotal[c].Suppressed && !h.ColTotal[c].Suppressed {
						h.ColTotal[c].Suppressed, again = true, true
					}
				}
				if g.Grand.Suppressed && !h.Grand.Suppressed {
					h.Grand.Suppressed, again = true, true
				}
			}
		}
		if again {
			for _, g := range group {
				Suppress(g)
			}
		}
	}
}

// Recoverable reports the hidden cells of every relation in which a reader could work one out
// exactly (see pinned): empty after Suppress. Tests use it as the oracle.
func Recoverable(g *Grid) []*Cell {
	st := newState(g)
	var out []*Cell
	for _, rel := range st.rels {
		if pinned(rel, st.upper) {
			for _, m := range rel {
				if m.cell.Suppressed {
					out = append(out, m.cell)
				}
			}
		}
	}
	return out
}
