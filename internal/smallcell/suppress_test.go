package smallcell

import (
	"testing"
)

func shown(g *Grid) [][]string { return g.Shown() }

// checkSafe fails when a count from 1 to 4 is shown or a hidden cell can be recovered by subtraction.
func checkSafe(t *testing.T, g *Grid) {
	t.Helper()
	for _, c := range g.cells() {
		if c.Value > 0 && c.Value < SmallCell && !c.Suppressed {
			t.Errorf("count %d shown: %v", c.Value, shown(g))
		}
	}
	if rec := Recoverable(g); len(rec) > 0 {
		t.Errorf("%d hidden cell(s) recoverable from totals (first %d): %v", len(rec), rec[0].Value, shown(g))
	}
}

func eq(a, b [][]string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if len(a[i]) != len(b[i]) {
			return false
		}
		for j := range a[i] {
			if a[i][j] != b[i][j] {
				return false
			}
		}
	}
	return true
}

func TestSuppress(t *testing.T) {
	tests := []struct {
		name     string
		counts   [][]int // rows × [TH, KH]
		totalRow bool
		want     [][]string
	}{
		{
			name:     "nothing small",
			counts:   [][]int{{10, 20}, {30, 7}},
			totalRow: true,
			want:     [][]string{{"10", "20", "30"}, {"30", "7", "37"}, {"40", "27", "67"}},
		},
		{
			// The bad input: TH has 3 Indonesians; 3 = TH total − the other TH rows, so the
			// next-smallest TH cell is hidden too, and the rows those two sit in need a second
			// hidden cell each (the KH cells), and so on until nothing can be subtracted out.
			name:     "a cell under 5 leaking through the total row",
			counts:   [][]int{{40, 12}, {3, 9}, {8, 30}},
			totalRow: true,
			want: [][]string{
				{"40", "12", "52"},
				{"<5", "x", "12"},
				{"x", "x", "38"},
				{"51", "51", "102"},
			},
		},
		{
			// Combined = TH + KH: KH's 2 would be Combined − TH.
			name:     "combined column leaking a store's small cell",
			counts:   [][]int{{50, 2}},
			totalRow: false,
			want:     [][]string{{"x", "<5", "52"}},
		},
		{
			// "<5" is 1..4 and "x" is 0 or at least 5: a "<5" and an "x" making 6 can only be 1
			// and 5, so hiding the 5 would not do; the total goes instead.
			name:     "markers would pin a pair: 1 and 5 make 6",
			counts:   [][]int{{1, 5}},
			totalRow: false,
			want:     [][]string{{"<5", "5", "x"}},
		},
		{
			name:     "zero shown as zero, not suppressed",
			counts:   [][]int{{0, 12}, {6, 0}},
			totalRow: true,
			want:     [][]string{{"0", "12", "12"}, {"6", "0", "6"}, {"6", "12", "18"}},
		},
		{
			name:     "small combined total hides its parts",
			counts:   [][]int{{1, 2}},
			totalRow: false,
			want:     [][]string{{"<5", "<5", "<5"}},
		},
		{
			// Single small cell in a row whose other part is zero: the total is the only
			// non-zero complement, and hiding it needs a partner in the Combined column.
			name:     "zero partner: the combined cell goes, then its column",
			counts:   [][]int{{3, 0}, {20, 30}, {9, 11}},
			totalRow: true,
			want: [][]string{
				{"<5", "0", "<5"},
				{"20", "30", "50"},
				{"x", "11", "x"},
				{"32", "41", "73"},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewGrid(tt.counts, tt.totalRow)
			Suppress(g)
			checkSafe(t, g)
			if got := shown(g); !eq(got, tt.want) {
				t.Errorf("shown\n got %v\nwant %v", got, tt.want)
			}
		})
	}
}

// TestSuppressMultiplePasses builds a table where each complementary cell opens a new leak in
// another relation, so suppression needs several passes, and checks the fixed point is safe.
func TestSuppressMultiplePasses(t *testing.T) {
	counts := [][]int{{2, 50}, {60, 70}, {80, 90}, {100, 6}}
	g := NewGrid(counts, true)
	Suppress(g)
	checkSafe(t, g)
	if !g.Inner[0][0].Suppressed || !g.Inner[0][1].Suppressed {
		t.Errorf("row with the 2: %v", shown(g))
	}
	hidden := 0
	for _, c := range g.cells() {
		if c.Suppressed {
			hidden++
		}
	}
	if hidden < 4 {
		t.Errorf("only %d hidden cells; a 2×2 rectangle at least is needed: %v", hidden, shown(g))
	}
}

// TestSuppressExhaustive runs every small table with counts 0..6 and checks the rule holds.
func TestSuppressExhaustive(t *testing.T) {
	vals := []int{0, 1, 3, 5, 6, 12}
	for _, a := range vals {
		for _, b := range vals {
			for _, c := range vals {
				for _, d := range vals {
					for _, total := range []bool{true, false} {
						g := NewGrid([][]int{{a, b}, {c, d}}, total)
						Suppress(g)
						checkSafe(t, g)
						if Suppress(g) {
							t.Fatalf("second Suppress changed a fixed point: %v", shown(g))
						}
					}
				}
			}
		}
	}
}

func TestSuppressLinkedShareHiddenTotals(t *testing.T) {
	// Persons by sex and by nationality in one small KH column: the nationality table hides KH's
	// total (4), and the sex table must not show it either.
	bySex := NewGrid([][]int{{30, 2}, {40, 2}}, true)
	byNat := NewGrid([][]int{{70, 4}}, true)
	SuppressLinked(bySex, byNat)
	checkSafe(t, bySex)
	checkSafe(t, byNat)
	if !bySex.ColTotal[1].Suppressed || !byNat.ColTotal[1].Suppressed {
		t.Errorf("KH totals shown: sex %v, nationality %v", shown(bySex), shown(byNat))
	}
	if bySex.Grand.Suppressed != byNat.Grand.Suppressed {
		t.Errorf("grand totals disagree: sex %v, nationality %v", shown(bySex), shown(byNat))
	}
}

func TestCellJSON(t *testing.T) {
	for _, tt := range []struct {
		c    Cell
		want string
	}{{Cell{Value: 12}, "12"}, {Cell{Value: 3, Suppressed: true}, `"<5"`}, {Cell{Value: 25, Suppressed: true}, `"x"`}, {Cell{}, "0"}} {
		b, err := tt.c.MarshalJSON()
		if err != nil || string(b) != tt.want {
			t.Errorf("%+v -> %s, %v; want %s", tt.c, b, err, tt.want)
		}
	}
}

// TestPinnedByMarkers checks the oracle itself: what a reader can work out from one relation,
// knowing "<5" is 1..4 and "x" is 0 or at least 5.
func TestPinnedByMarkers(t *testing.T) {
	tests := []struct {
		name   string
		counts [][]int
		hide   [][2]int // inner cells hidden by hand
		hideRT bool     // hide the Combined cell of row 0 too
		want   bool     // recoverable
	}{
		{"one hidden cell beside a total", [][]int{{3, 20}}, [][2]int{{0, 0}}, false, true},
		{"1 and 5 make 6: only 1 + 5 fits", [][]int{{1, 5}}, [][2]int{{0, 0}, {0, 1}}, false, true},
		{"3 and 25 make 28: four ways", [][]int{{3, 25}}, [][2]int{{0, 0}, {0, 1}}, false, false},
		{"two small cells making 5", [][]int{{2, 3}}, [][2]int{{0, 0}, {0, 1}}, false, false},
		{"hidden total over shown parts", [][]int{{7, 20}}, nil, true, true},
		{"hidden total and a small part", [][]int{{3, 20}}, [][2]int{{0, 0}}, true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewGrid(tt.counts, false)
			for _, rc := range tt.hide {
				g.Inner[rc[0]][rc[1]].Suppressed = true
			}
			g.RowTotal[0].Suppressed = tt.hideRT
			if got := len(Recoverable(g)) > 0; got != tt.want {
				t.Errorf("recoverable = %v, want %v: %v", got, tt.want, shown(g))
			}
		})
	}
}
