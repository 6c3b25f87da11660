package dashboard

import (
	"fmt"
	"time"

	"gorm.io/gorm"

	"homeward/internal/cases"
)

// noUser is the user key of the cases assigned to nobody in dashboard_counts.
const noUser = "00000000-0000-0000-0000-000000000000"

// The items of dashboard_counts besides the stages: the work waiting on a case (migration 00025).
const (
	itemScreeningPending = "screening_pending" // in screening, nothing recorded yet
	itemDecisionReturned = "decision_returned" // in identification, the latest decision returned
	itemDecisionProposed = "decision_proposed" // a decision waits for approval
	itemClosureRequested = "closure_requested" // a closure request waits
)

// itemCount is one item's count for the actor's agency: all of it, the cases assigned to the actor,
// and those assigned to the actor or to nobody (the caseworker's own work).
type itemCount struct {
	Item                string
	Total, Mine, OpenTo int
}

// countsSQL reads the actor's agency's counts from the summary: one row per item, summing the
// delta rows of each (agency, user, item) key. Parameters: the user (twice), nobody, then the scope.
const countsSQL = `SELECT k.item, sum(k.n)::int AS total,
  coalesce(sum(k.n) FILTER (WHERE k.user_id = ?::uuid), 0)::int AS mine,
  coalesce(sum(k.n) FILTER (WHERE k.user_id IN (?::uuid, ?::uuid)), 0)::int AS open_to
FROM dashboard_counts k WHERE %s AND strpos(k.item, ':') = 0 GROUP BY k.item`

// counts reads the summary counts of the actor's agency, by item (items with no case are absent).
func (q query) counts(tx *gorm.DB) (map[string]itemCount, error) {
	cond, args := q.scope.AgencyFilter("k")
	var rows []itemCount
	err := q.raw(tx, fmt.Sprintf(countsSQL, cond), append([]any{q.a.UserID, q.a.UserID, noUser}, args...)...).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("dashboard counts: %w", err)
	}
	out := make(map[string]itemCount, len(rows))
	for _, r := range rows {
		out[r.Item] = r
	}
	return out, nil
}

// datedCounts are the lists by date the summary counts, from its per-day items ('step_due:' and
// 'visit_due:' followed by the day).
type datedCounts struct {
	Deadlines, Visits, OverdueVisits int
}

// datedSumSQL sums one list by date over an index range of dashboard_counts (00032): the days of
// item prefix %[2]s up to a bound, of the users given or of everyone. Parameters: the scope (%[1]s),
// the users when %[3]s names them, then the bound (a day).
const datedSumSQL = `SELECT coalesce(sum(k.n), 0)::int FROM dashboard_counts k
WHERE %[1]s AND strpos(k.item, ':') > 0 %[3]s
  AND k.item COLLATE "C" > '%[2]s' AND k.item COLLATE "C" <= '%[2]s' || ?::text`

// datedCountsSQL reads the caseworker's two lists by date (their own and nobody's deadlines and
// visits up to soon) and, for a supervisor, the agency's overdue visits (up to yesterday).
func datedCountsSQL(cond string, overdue bool) string {
	mine := "AND k.user_id IN (?::uuid, ?::uuid)"
	sql := fmt.Sprintf("SELECT (%s) AS deadlines, (%s) AS visits, ",
		fmt.Sprintf(datedSumSQL, cond, "step_due:", mine), fmt.Sprintf(datedSumSQL, cond, "visit_due:", mine))
	if overdue {
		return sql + fmt.Sprintf("(%s) AS overdue_visits", fmt.Sprintf(datedSumSQL, cond, "visit_due:", ""))
	}
	return sql + "0 AS overdue_visits"
}

// dated reads the counts of the lists by date for the actor's agency; the overdue visits only when
// overdue (the supervisor's panel).
func (q query) dated(tx *gorm.DB, overdue bool) (datedCounts, error) {
	cond, args := q.scope.AgencyFilter("k")
	soon, yesterday := q.soon.Format(time.DateOnly), q.today.AddDate(0, 0, -1).Format(time.DateOnly)
	var params []any
	for range 2 {
		params = append(append(append(params, args...), q.a.UserID, noUser), soon)
	}
	if overdue {
		params = append(append(params, args...), yesterday)
	}
	var out datedCounts
	if err := q.raw(tx, datedCountsSQL(cond, overdue), params...).Scan(&out).Error; err != nil {
		return datedCounts{}, fmt.Errorf("dashboard dated counts: %w", err)
	}
	return out, nil
}

// byStage is the cases at each stage, in the stages' order, from the counts.
func byStage(counts map[string]itemCount) []StageCount {
	out := make([]StageCount, 0, len(cases.Stages))
	for _, st := range cases.Stages {
		c := counts[string(st)]
		out = append(out, StageCount{Stage: string(st), Total: c.Total, Mine: c.Mine})
	}
	return out
}
