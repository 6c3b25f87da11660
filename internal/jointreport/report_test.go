package jointreport

import (
	"slices"
	"testing"
	"time"

	"homeward/internal/reports"
)

// fixture is a hand-made store figure set: 3 Indonesians in TH must not leak through TH's total.
func fixture() []*reports.Figures {
	kh := &reports.Figures{Country: "KH",
		ByStage:       map[string]int{"reception": 20, "screening": 12},
		ByNationality: map[string]int{"TH": 25, "ID": 7},
		BySex:         map[string]int{"female": 16, "male": 16},
		ByOperation:   map[string]int{"Op Poipet": 30},
		Minors:        0, Adults: 32,
		Flow:       reports.Flow{Received: 32, Screened: 12, Identified: 2},
		ToDecision: reports.Quantiles{Median: 4, P90: 9, N: 12},
	}
	th := &reports.Figures{Country: "TH",
		ByStage:       map[string]int{"reception": 30, "screening": 10, "closed": 3},
		ByNationality: map[string]int{"KH": 40, "ID": 3},
		BySex:         map[string]int{"female": 20, "male": 23},
		ByOperation:   map[string]int{"Op Sa Kaeo": 40},
		Minors:        6, Adults: 37,
		Flow:       reports.Flow{Received: 43, Screened: 10, Identified: 9, Closed: 3},
		ToDecision: reports.Quantiles{Median: 6, P90: 12, N: 3},
	}
	return []*reports.Figures{kh, th}
}

func tableOf(t *testing.T, r *Report, key string) Table {
	t.Helper()
	for _, tb := range r.Tables {
		if tb.Key == key {
			return tb
		}
	}
	t.Fatalf("no table %s", key)
	return Table{}
}

// checkSafe fails when a count from 1 to 4 is shown or a hidden cell can be recovered from totals.
func checkSafe(t *testing.T, g *Grid) {
	t.Helper()
	for _, c := range g.Cells() {
		if c.Value > 0 && c.Value < SmallCell && !c.Suppressed {
			t.Errorf("count %d shown: %v", c.Value, g.Shown())
		}
	}
	if rec := Recoverable(g); len(rec) > 0 {
		t.Errorf("%d hidden cell(s) recoverable from totals: %v", len(rec), g.Shown())
	}
}

func eq(a, b [][]string) bool { return slices.EqualFunc(a, b, slices.Equal) }

func TestBuildSuppressesEveryTable(t *testing.T) {
	r := build(time.Time{}, time.Time{}, []string{"KH", "TH"}, fixture())
	for _, tb := range r.Tables {
		checkSafe(t, tb.Grid)
	}
	nat := tableOf(t, r, TableNationality)
	// TH's 3 Indonesians are hidden; the cheapest cover hides TH's 40 Cambodians with them (a 2×2
	// cycle through the Combined column), keeping every total. Rows with a shown combined count
	// come first by that count (TH 25), then rows with a hidden one by key (ID, KH): never by a
	// hidden count (KH 40 before TH 25 would tell that KH's x is at least 25).
	want := [][]string{{"25", "0", "25"}, {"7", "<5", "x"}, {"0", "x", "x"}, {"32", "43", "75"}}
	if got := nat.Grid.Shown(); !eq(got, want) || nat.Rows[0] != "TH" || nat.Rows[1] != "ID" || nat.Rows[2] != "KH" {
		t.Errorf("nationality %v %v, want %v", nat.Rows, got, want)
	}
	stage := tableOf(t, r, TableStage)
	if len(stage.Rows) != 3 || stage.Rows[0] != "reception" || stage.Rows[2] != "closed" {
		t.Errorf("stage rows in stage order: %v", stage.Rows)
	}
	d := r.Durations[0]
	if d.Median[0] == nil || *d.Median[0] != 4 || d.Median[1] != nil || d.P90[1] != nil {
		t.Errorf("quantiles over fewer than 5 cases shown: %+v", d)
	}
	if d.N.Inner[0][1].String() != "<5" {
		t.Errorf("N of 3 shown: %v", d.N.Shown())
	}
}
