// Package reports computes a store's aggregate figures (the store dashboard and rescue operation
// progress) where the records live: only counts and durations leave the store, never a row.
package reports

import (
	"context"
	"fmt"
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

// breakdownSQL counts the cases received before $1 by current stage, nationality, sex, minor and
// operation in one pass (GROUPING SETS; g tells which set a row belongs to).
const breakdownSQL = `
SELECT GROUPING(c.stage, p.nationality, p.sex, p.minor, o.name) AS g,
       coalesce(c.stage, '') AS stage, coalesce(p.nationality, '') AS nationality, coalesce(p.sex, '') AS sex,
       coalesce(p.minor, false) AS minor, o.name AS operation, count(*) AS n
FROM cases c
JOIN persons p ON p.id = c.person_id
LEFT JOIN operations o ON o.id = p.operation_id
WHERE c.created_at < $1
GROUP BY GROUPING SETS ((c.stage), (p.nationality), (p.sex), (p.minor), (o.name))`

// GROUPING() bit patterns of breakdownSQL: the column grouped on has its bit cleared.
const (
	gStage       = 0b01111
	gNationality = 0b10111
	gSex         = 0b11011
	gMinor       = 0b11101
	gOperation   = 0b11110
)

// flowSQL counts distinct cases per step in [$1, $2), reading the period's stage changes once.
const flowSQL = `
WITH sc AS (
  SELECT case_id, to_stage FROM stage_changes
  WHERE at >= $1 AND at < $2 AND to_stage IN ('identification', 'handover', 'reintegration', 'closed')
)
SELECT
  (SELECT count(*) FROM cases WHERE created_at >= $1 AND created_at < $2) AS received,
  (SELECT count(*) FROM (
      SELECT case_id FROM screenings WHERE created_at >= $1 AND created_at < $2
      UNION
      SELECT case_id FROM sc WHERE to_stage = 'identification') s) AS screened,
  (SELECT count(DISTINCT case_id) FROM identification_decisions
      WHERE status = 'approved' AND decision = 'identified' AND decided_at >= $1 AND decided_at < $2) AS identified,
  (SELECT count(DISTINCT case_id) FROM sc WHERE to_stage IN ('handover', 'reintegration')) AS returned,
  (SELECT count(DISTINCT case_id) FROM sc WHERE to_stage = 'closed') AS closed`

// durationsSQL computes median and p90 days from reception to the first approved decision (decided
// in [$1, $2)) and from that decision to the first return (in [$1, $2), not before the decision).
// Only rows before $2 are read: a first event in the period is the first among those.
const durationsSQL = `
WITH dec AS (
  SELECT case_id, min(decided_at) AS decided_at FROM identification_decisions
  WHERE status = 'approved' AND decided_at < $2 GROUP BY case_id
), ret AS (
  SELECT case_id, min(at) AS at FROM stage_changes
  WHERE to_stage IN ('handover', 'reintegration') AND at < $2 GROUP BY case_id HAVING min(at) >= $1
)
SELECT a.*, b.* FROM
 (SELECT coalesce(percentile_cont(0.5) WITHIN GROUP (ORDER BY x), 0) AS dec_median,
         coalesce(percentile_cont(0.9) WITHIN GROUP (ORDER BY x), 0) AS dec_p90, count(*) AS dec_n
  FROM (SELECT extract(epoch FROM dec.decided_at - c.created_at) / 86400 AS x
        FROM dec JOIN cases c ON c.id = dec.case_id WHERE dec.decided_at >= $1) t) a,
 (SELECT coalesce(percentile_cont(0.5) WITHIN GROUP (ORDER BY x), 0) AS ret_median,
         coalesce(percentile_cont(0.9) WITHIN GROUP (ORDER BY x), 0) AS ret_p90, count(*) AS ret_n
  FROM (SELECT extract(epoch FROM ret.at - dec.decided_at) / 86400 AS x
        FROM ret JOIN dec ON dec.case_id = ret.case_id WHERE ret.at >= dec.decided_at) t) b`

// overdueSQL counts cases with an overdue step at the reference instant $1 (the end of the period,
// or now if that is earlier): a case in screening for more than ScreeningDueDays ($2) days since it
// last entered screening (or since reception if it never changed stage), or a case whose proposed
// identification decision has waited more than ApprovalDueDays ($3) days. Each case counts once.
const overdueSQL = `
SELECT count(*) FROM (
  SELECT c.id FROM cases c
  LEFT JOIN LATERAL (SELECT max(sc.at) AS at FROM stage_changes sc
                     WHERE sc.case_id = c.id AND sc.to_stage = 'screening') last ON true
  WHERE c.stage = 'screening' AND c.created_at < $1
    AND coalesce(last.at, c.created_at) < $1 - make_interval(days => $2)
  UNION
  SELECT d.case_id FROM identification_decisions d JOIN cases c ON c.id = d.case_id
  WHERE d.status = 'proposed' AND d.proposed_at < $1 - make_interval(days => $3) AND c.created_at < $1
) overdue`

// breakdownRow is one row of breakdownSQL.
type breakdownRow struct {
	G           int
	Stage       string
	Nationality string
	Sex         string
	Minor       bool
	Operation   *string
	N           int
}

// durationsRow is the row of durationsSQL.
type durationsRow struct {
	DecMedian, DecP90, RetMedian, RetP90 float64
	DecN, RetN                           int
}

// Compute returns the figures of one store database for [from, to). It reads aggregates only and
// applies no scope: callers check the reports section and bind to the actor's store first.
func Compute(ctx context.Context, db *gorm.DB, from, to time.Time) (*Figures, error) {
	db = db.WithContext(ctx)
	noJIT(db)
	f := &Figures{From: from, To: to,
		ByStage: map[string]int{}, ByNationality: map[string]int{}, BySex: map[string]int{}, ByOperation: map[string]int{}}
	var rows []breakdownRow
	if err := db.Raw(breakdownSQL, to).Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("reports breakdown: %w", err)
	}
	for _, r := range rows {
		switch r.G {
		case gStage:
			f.ByStage[r.Stage] += r.N
		case gNationality:
			f.ByNationality[r.Nationality] += r.N
		case gSex:
			f.BySex[r.Sex] += r.N
		case gMinor:
			if r.Minor {
				f.Minors += r.N
			} else {
				f.Adults += r.N
			}
		case gOperation:
			if r.Operation != nil {
				f.ByOperation[*r.Operation] += r.N
			}
		}
	}
	if err := db.Raw(flowSQL, from, to).Scan(&f.Flow).Error; err != nil {
		return nil, fmt.Errorf("reports flow: %w", err)
	}
	var d durationsRow
	if err := db.Raw(durationsSQL, from, to).Scan(&d).Error; err != nil {
		return nil, fmt.Errorf("reports durations: %w", err)
	}
	f.ToDecision = Quantiles{Median: d.DecMedian, P90: d.DecP90, N: d.DecN}
	f.DecisionToReturn = Quantiles{Median: d.RetMedian, P90: d.RetP90, N: d.RetN}
	ref := to
	if now := time.Now(); to.After(now) {
		ref = now
	}
	if err := db.Raw(overdueSQL, ref, ScreeningDueDays, ApprovalDueDays).Scan(&f.Overdue).Error; err != nil {
		return nil, fmt.Errorf("reports overdue: %w", err)
	}
	return f, nil
}

// noJIT turns PostgreSQL's JIT compilation off for the rest of the transaction: the planner
// overestimates these joins and compiling costs more than running (hundreds of milliseconds at
// 100,000 cases). Outside a transaction it does nothing.
func noJIT(db *gorm.DB) {
	_ = db.Exec(`SET LOCAL jit = off`).Error
	// Enough memory to hash the grouping sets of the breakdown instead of sorting five times.
	_ = db.Exec(`SET LOCAL work_mem = '32MB'`).Error
}
