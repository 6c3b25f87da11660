// Package jointreport builds the joint report that Thailand and Cambodia exchange at the General
// Border Committee: the same aggregates computed in each country's store by that store's own
// queries (reports.Compute), side by side and combined. Only counts and durations leave a store;
// every published count goes through the small-cell rule (Suppress) before anyone sees it.
package jointreport

import (
	"sort"
	"time"

	"homeward/internal/cases"
	"homeward/internal/reports"
)

// Combined is the column key of the combined figures.
const Combined = "combined"

// Table keys, one per dimension: also the i18n keys "joint.table.KEY".
const (
	TableStage       = "stage"
	TableNationality = "nationality"
	TableSex         = "sex"
	TableAge         = "age"
	TableOperation   = "operation"
	TableFlow        = "flow"
	TableOverdue     = "overdue"
)

// Table is one dimension of the report: Rows are the row keys (a stage, a nationality code, a
// sex, "minor"/"adult", an operation name, a flow step), Grid the suppressed counts with one
// column per country (in Report.Countries order) and the Combined column as row totals.
type Table struct {
	Key  string
	Rows []string
	Grid *Grid
}

// Duration is a time-in-stage figure: the number of cases per country (suppressed like any
// count) and the median and 90th percentile of days per country, shown only when that country's
// N is at least SmallCell (nil otherwise). Quantiles are not combined: a combined median needs
// every duration, and only counts and quantiles leave a store.
type Duration struct {
	Key    string
	N      *Grid // one row
	Median []*float64
	P90    []*float64
}

// Report is the joint report of a period [From, To).
type Report struct {
	From, To  time.Time
	Countries []string
	Tables    []Table
	Durations []Duration
	// Missing are the other countries whose store did not answer (store.IsUnavailable): the report
	// is then the actor's own country's half, and says so.
	Missing []string
}

// build assembles and suppresses the report from each country's figures (figs[i] is the store
// of countries[i]).
func build(from, to time.Time, countries []string, figs []*reports.Figures) *Report {
	r := &Report{From: from, To: to, Countries: countries}
	pick := func(f func(*reports.Figures) map[string]int) []map[string]int {
		out := make([]map[string]int, len(figs))
		for i, fg := range figs {
			out[i] = f(fg)
		}
		return out
	}
	stageOrder := make([]string, len(cases.Stages))
	for i, s := range cases.Stages {
		stageOrder[i] = string(s)
	}
	stage := table(TableStage, keysIn(stageOrder, pick(func(f *reports.Figures) map[string]int { return f.ByStage })), pick(func(f *reports.Figures) map[string]int { return f.ByStage }), true)
	nat := pick(func(f *reports.Figures) map[string]int { return f.ByNationality })
	nationality := table(TableNationality, keysIn(nil, nat), nat, true)
	sexes := pick(func(f *reports.Figures) map[string]int { return f.BySex })
	sex := table(TableSex, keysIn([]string{"female", "male", "other", "unknown"}, sexes), sexes, true)
	ages := pick(func(f *reports.Figures) map[string]int { return map[string]int{"minor": f.Minors, "adult": f.Adults} })
	age := table(TableAge, []string{"minor", "adult"}, ages, true)
	ops := pick(func(f *reports.Figures) map[string]int { return f.ByOperation })
	operation := table(TableOperation, keysIn(nil, ops), ops, false)
	flows := pick(func(f *reports.Figures) map[string]int {
		return map[string]int{"received": f.Flow.Received, "screened": f.Flow.Screened, "identified": f.Flow.Identified,
			"returned": f.Flow.Returned, "closed": f.Flow.Closed}
	})
	flow := table(TableFlow, []string{"received", "screened", "identified", "returned", "closed"}, flows, false)
	over := table(TableOverdue, []string{"overdue"}, pick(func(f *reports.Figures) map[string]int { return map[string]int{"overdue": f.Overdue} }), false)

	// Stage, nationality, sex and age all count the same cases: their totals are one figure.
	SuppressLinked(stage.Grid, nationality.Grid, sex.Grid, age.Grid)
	for _, g := range []*Grid{operation.Grid, flow.Grid, over.Grid} {
		Suppress(g)
	}
	nationality.orderByCombined()
	operation.orderByCombined()
	r.Tables = []Table{stage, nationality, sex, age, operation, flow, over}
	r.Durations = []Duration{
		duration("to_decision", figs, func(f *reports.Figures) reports.Quantiles { return f.ToDecision }),
		duration("decision_to_return", figs, func(f *reports.Figures) reports.Quantiles { return f.DecisionToReturn }),
	}
	return r
}

// table builds a table of rows from per-country counts (unsuppressed).
func table(key string, rows []string, counts []map[string]int, totalRow bool) Table {
	cells := make([][]int, len(rows))
	for i, row := range rows {
		cells[i] = make([]int, len(counts))
		for c, m := range counts {
			cells[i][c] = m[row]
		}
	}
	return Table{Key: key, Rows: rows, Grid: NewGrid(cells, totalRow)}
}

// keysIn lists the keys of order present in any of the maps, then any other present keys sorted.
func keysIn(order []string, ms []map[string]int) []string {
	seen, out := map[string]bool{}, []string{}
	for _, k := range order {
		seen[k] = true
		for _, m := range ms {
			if _, ok := m[k]; ok {
				out = append(out, k)
				break
			}
		}
	}
	var rest []string
	for _, m := range ms {
		for k := range m {
			if !seen[k] {
				seen[k] = true
				rest = append(rest, k)
			}
		}
	}
	sort.Strings(rest)
	return append(out, rest...)
}

// orderByCombined orders the rows of a suppressed table: rows whose Combined cell is shown by
// that count, largest first, then by key; rows whose Combined cell is hidden after them, by key
// only. Ordering by a hidden count would bound it between its neighbours, so hidden counts never
// decide an order (and suppression ran on rows in key order, so its choices owe nothing to order).
func (t *Table) orderByCombined() {
	perm := make([]int, len(t.Rows))
	for i := range perm {
		perm[i] = i
	}
	tot := t.Grid.RowTotal
	sort.SliceStable(perm, func(i, j int) bool {
		a, b := tot[perm[i]], tot[perm[j]]
		switch {
		case a.Suppressed != b.Suppressed:
			return !a.Suppressed
		case !a.Suppressed && a.Value != b.Value:
			return a.Value > b.Value
		}
		return t.Rows[perm[i]] < t.Rows[perm[j]]
	})
	rows := make([]string, len(perm))
	for i, old := range perm {
		rows[i] = t.Rows[old]
	}
	t.Rows = rows
	t.Grid.Reorder(perm)
}

// duration builds a time-in-stage figure, hiding quantiles over fewer than SmallCell cases.
func duration(key string, figs []*reports.Figures, q func(*reports.Figures) reports.Quantiles) Duration {
	d := Duration{Key: key, Median: make([]*float64, len(figs)), P90: make([]*float64, len(figs))}
	ns := make([]int, len(figs))
	for i, f := range figs {
		v := q(f)
		ns[i] = v.N
		if v.N >= SmallCell {
			med, p90 := v.Median, v.P90
			d.Median[i], d.P90[i] = &med, &p90
		}
	}
	d.N = NewGrid([][]int{ns}, false)
	Suppress(d.N)
	return d
}
