// Package reports computes a store's aggregate figures (the store dashboard and rescue operation
// progress) where the records live: only counts and durations leave the store, never a row.
package reports

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"gorm.io/gorm"
)

// Figures are one store's aggregates for a period [From, To).
type Figures struct {
	Country  string
	From, To time.Time
	// ByStage, ByNationality, BySex and ByOperation count the cases received before To by their
	// current stage, the person's nationality, sex and rescue operation (keyed by operation name;
	// persons brought in without an operation are not counted there).
	ByStage, ByNationality, BySex, ByOperation map[string]int
	// Minors and Adults split the same cases by the person's minor flag.
	Minors, Adults int
	// Flow counts what happened during the period.
	Flow Flow
	// ToDecision is the days from reception (cases.created_at) to the first approved
	// identification decision, for decisions approved in the period.
	ToDecision Quantiles
	// DecisionToReturn is the days from that decision to the first stage change into handover or
	// reintegration, for returns in the period.
	DecisionToReturn Quantiles
	// Overdue counts open cases with an overdue step at the end of the period (see overdueSQL).
	Overdue int
}

// Flow counts distinct cases per step within the period.
type Flow struct {
	// Received: cases created in the period.
	Received int
	// Screened: cases with a screening recorded in the period, or a stage change into
	// identification in the period.
	Screened int
	// Identified: cases with an identification decision "identified" approved in the period.
	Identified int
	// Returned: cases with a stage change into handover or reintegration in the period.
	Returned int
	// Closed: cases with a stage change into closed in the period.
	Closed int
}

// Quantiles are the median and 90th percentile of a duration in days over N cases (0 when N = 0).
type Quantiles struct {
	Median, P90 float64
	N           int
}

// Overdue thresholds: Thailand's reflection period gives a presumed victim 15 days of screening
// before a decision is due, and a proposed identification decision should be approved or returned
// by a supervisor within 7 days.
const (
	ScreeningDueDays = 15
	ApprovalDueDays  = 7
)

// The figures are read from the report summary of migration 00013 (case_facts, case_steps,
// report_counts), which triggers keep in line with cases, persons, screenings, stage_changes and
// identification_decisions in the transaction of every change. report_counts holds counts per UTC
// day, so a period is its whole days from report_counts plus its partial days at either end from
// case_facts or case_steps. The figures equal those of the base tables exactly (summary_test.go
// recomputes them from the base tables after intake, transitions, merges, imports and decisions).

// breakdownSQL counts the cases received before $2 by current stage, nationality, sex, minor
// ('true'/'false') and operation (by name): the whole days before $1 (the UTC midnight at or
// before $2) from report_counts, the rest from case_facts.
const breakdownSQL = `
WITH counts AS (
  SELECT dim, key, sum(n) AS n FROM (
    SELECT dim, key, n FROM report_counts WHERE day < $3::date AND dim <> 'step'
    UNION ALL
    SELECT k.dim, k.key, 1 FROM case_facts f,
      LATERAL report_fact_keys(f.received_at, f.stage, f.nationality, f.sex, f.minor, f.operation_id) k
    WHERE f.received_at >= $1 AND f.received_at < $2
  ) x GROUP BY dim, key HAVING sum(n) <> 0
)
SELECT c.dim, CASE WHEN c.dim = 'operation' THEN o.name ELSE c.key END AS key, c.n
FROM counts c LEFT JOIN operations o ON c.dim = 'operation' AND o.id::text = c.key`

// flowSQL counts the period [$1, $2): whole days [$5, $6) from report_counts, the partial days
// [$1, $3) and [$4, $2) from case_facts and case_steps. A flow step counts distinct cases: its
// events in the period less the repeats, events whose previous event of the same step (prev_at) is
// also in the period. Repeats are counted by the day of prev_at (report_counts 'repeat' and the
// partial days), less those whose own event falls after the period.
const flowSQL = `
SELECT 'received' AS step,
  (SELECT coalesce(sum(n), 0) FROM report_counts WHERE dim = 'stage' AND day >= $5::date AND day < $6::date)
  + (SELECT count(*) FROM case_facts
     WHERE (received_at >= $1 AND received_at < $3) OR (received_at >= $4 AND received_at < $2)) AS n
UNION ALL
SELECT step, sum(n) FROM (
  SELECT key AS step, CASE dim WHEN 'step' THEN n ELSE -n END AS n FROM report_counts
  WHERE dim IN ('step', 'repeat') AND day >= $5::date AND day < $6::date
  UNION ALL
  SELECT step, count(*) FROM case_steps WHERE (at >= $1 AND at < $3) OR (at >= $4 AND at < $2) GROUP BY step
  UNION ALL
  SELECT step, -count(*) FROM case_steps
  WHERE (prev_at >= $1 AND prev_at < $3) OR (prev_at >= $4 AND prev_at < $2) GROUP BY step
  UNION ALL
  SELECT step, count(*) FROM case_steps WHERE at >= $2 AND prev_at >= $1 AND prev_at < $2 GROUP BY step
) x GROUP BY step`

// durationsSQL computes median and p90 days from reception to the first approved decision, for
// first decisions in [$1, $2), and from that decision to the first return (into handover or
// reintegration, not before the decision), for first returns in [$1, $2).
const durationsSQL = `
SELECT a.*, b.* FROM
 (SELECT coalesce(percentile_cont(0.5) WITHIN GROUP (ORDER BY decision_days), 0) AS dec_median,
         coalesce(percentile_cont(0.9) WITHIN GROUP (ORDER BY decision_days), 0) AS dec_p90, count(*) AS dec_n
  FROM case_facts WHERE decided_at >= $1 AND decided_at < $2) a,
 (SELECT coalesce(percentile_cont(0.5) WITHIN GROUP (ORDER BY return_days), 0) AS ret_median,
         coalesce(percentile_cont(0.9) WITHIN GROUP (ORDER BY return_days), 0) AS ret_p90, count(*) AS ret_n
  FROM case_facts WHERE returned_at >= $1 AND returned_at < $2 AND return_days IS NOT NULL) b`

// overdueSQL counts cases with an overdue step at the reference instant $1 (the end of the period,
// or now if that is earlier): a case received before $1, in screening for more than
// ScreeningDueDays ($2) days since it last entered screening (or since reception if it never changed
// stage), or whose proposed identification decision has waited more than ApprovalDueDays ($3)
// days. Each case counts once: the second count leaves out cases the first has.
const overdueSQL = `
SELECT
  (SELECT count(*) FROM case_facts
   WHERE stage = 'screening' AND coalesce(screening_since, received_at) < $1::timestamptz - make_interval(days => $2)
     AND received_at < $1)
  + (SELECT count(*) FROM case_facts
     WHERE pending_since < $1 - make_interval(days => $3) AND received_at < $1
       AND NOT (stage = 'screening' AND coalesce(screening_since, received_at) < $1 - make_interval(days => $2)))`

// countRow is one row of breakdownSQL or flowSQL.
type countRow struct {
	Dim  string
	Key  *string
	Step string
	N    int
}

// durationsRow is the row of durationsSQL.
type durationsRow struct {
	DecMedian, DecP90, RetMedian, RetP90 float64
	DecN, RetN                           int
}

// day is a UTC day.
const day = 24 * time.Hour

// wholeDays splits [from, to) at UTC midnights: [lo, hi) are its whole days, [from, lo) and
// [hi, to) the partial ones. Without a whole day, lo = hi = to.
func wholeDays(from, to time.Time) (lo, hi time.Time) {
	lo, hi = from.UTC().Truncate(day), to.UTC().Truncate(day)
	if lo.Before(from) {
		lo = lo.Add(day)
	}
	if !lo.Before(hi) {
		return to, to
	}
	return lo, hi
}

// date formats t's UTC day for a date parameter.
func date(t time.Time) string { return t.UTC().Format(time.DateOnly) }

// Compute returns the figures of one store database for [from, to). It reads aggregates only and
// applies no scope: callers check the reports section and bind to the actor's store first. Its four
// queries run at once on separate connections (each in its own read transaction), or one after the
// other when db is a transaction.
func Compute(ctx context.Context, db *gorm.DB, from, to time.Time) (*Figures, error) {
	f := &Figures{From: from, To: to,
		ByStage: map[string]int{}, ByNationality: map[string]int{}, BySex: map[string]int{}, ByOperation: map[string]int{}}
	err := run(ctx, db,
		func(tx *gorm.DB) error { return f.breakdown(tx) },
		func(tx *gorm.DB) error { return f.flow(tx) },
		func(tx *gorm.DB) error { return f.durations(tx) },
		func(tx *gorm.DB) error { return f.overdue(tx) })
	if err != nil {
		return nil, err
	}
	return f, nil
}

// run runs the parts with JIT off: concurrently, each in its own transaction, or in order inside
// db when it is already a transaction (one connection serves one query at a time).
func run(ctx context.Context, db *gorm.DB, parts ...func(*gorm.DB) error) error {
	db = db.WithContext(ctx)
	if _, inTx := db.Statement.ConnPool.(gorm.TxCommitter); inTx {
		noJIT(db)
		for _, p := range parts {
			if err := p(db); err != nil {
				return err
			}
		}
		return nil
	}
	errs := make([]error, len(parts))
	var wg sync.WaitGroup
	for i, p := range parts {
		wg.Go(func() {
			errs[i] = db.Transaction(func(tx *gorm.DB) error {
				noJIT(tx)
				return p(tx)
			})
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}

// breakdown fills the counts by stage, nationality, sex, minor and operation.
func (f *Figures) breakdown(db *gorm.DB) error {
	var rows []countRow
	midnight := f.To.UTC().Truncate(day)
	if err := db.Raw(breakdownSQL, midnight, f.To, date(midnight)).Scan(&rows).Error; err != nil {
		return fmt.Errorf("reports breakdown: %w", err)
	}
	for _, r := range rows {
		if r.Key == nil { // an operation that no longer exists
			continue
		}
		switch r.Dim {
		case "stage":
			f.ByStage[*r.Key] += r.N
		case "nationality":
			f.ByNationality[*r.Key] += r.N
		case "sex":
			f.BySex[*r.Key] += r.N
		case "minor":
			if *r.Key == "true" {
				f.Minors += r.N
			} else {
				f.Adults += r.N
			}
		case "operation":
			f.ByOperation[*r.Key] += r.N
		}
	}
	return nil
}

// flow fills the flow of the period.
func (f *Figures) flow(db *gorm.DB) error {
	var rows []countRow
	lo, hi := wholeDays(f.From, f.To)
	if err := db.Raw(flowSQL, f.From, f.To, lo, hi, date(lo), date(hi)).Scan(&rows).Error; err != nil {
		return fmt.Errorf("reports flow: %w", err)
	}
	for _, r := range rows {
		switch r.Step {
		case "received":
			f.Flow.Received = r.N
		case "screened":
			f.Flow.Screened = r.N
		case "identified":
			f.Flow.Identified = r.N
		case "returned":
			f.Flow.Returned = r.N
		case "closed":
			f.Flow.Closed = r.N
		}
	}
	return nil
}

// durations fills the time to decision and from decision to return.
func (f *Figures) durations(db *gorm.DB) error {
	var d durationsRow
	if err := db.Raw(durationsSQL, f.From, f.To).Scan(&d).Error; err != nil {
		return fmt.Errorf("reports durations: %w", err)
	}
	f.ToDecision = Quantiles{Median: d.DecMedian, P90: d.DecP90, N: d.DecN}
	f.DecisionToReturn = Quantiles{Median: d.RetMedian, P90: d.RetP90, N: d.RetN}
	return nil
}

// overdue fills the overdue count at the end of the period, or now if that is earlier.
func (f *Figures) overdue(db *gorm.DB) error {
	ref := f.To
	if now := time.Now(); ref.After(now) {
		ref = now
	}
	if err := db.Raw(overdueSQL, ref, ScreeningDueDays, ApprovalDueDays).Scan(&f.Overdue).Error; err != nil {
		return fmt.Errorf("reports overdue: %w", err)
	}
	return nil
}

// noJIT turns PostgreSQL's JIT compilation off for the rest of the transaction: the planner
// overestimates these joins and compiling costs more than running (hundreds of milliseconds at
// 100,000 cases). Outside a transaction it does nothing.
func noJIT(db *gorm.DB) {
	_ = db.Exec(`SET LOCAL jit = off`).Error
	// Enough memory to hash the grouping sets of the breakdown instead of sorting five times.
	_ = db.Exec(`SET LOCAL work_mem = '32MB'`).Error
}
