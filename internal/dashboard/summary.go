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

// datedCountsSQL sums the days up to each list's bound. Parameters: soon, the user, nobody (the
// deadlines); soon, the user, nobody (the visits); yesterday (the overdue visits); then the scope.
const datedCountsSQL = `SELECT
  coalesce(sum(k.n) FILTER (WHERE left(k.item, 9) = 'step_due:' AND substr(k.item, 10) COLLATE "C" <= ?
                            AND k.user_id IN (?::uuid, ?::uuid)), 0)::int AS deadlines,
  coalesce(sum(k.n) FILTER (WHERE left(k.item, 10) = 'visit_due:' AND substr(k.item, 11) COLLATE "C" <= ?
                            AND k.user_id IN (?::uuid, ?::uuid)), 0)::int AS visits,
  coalesce(sum(k.n) FILTER (WHERE left(k.item, 10) = 'visit_due:' AND substr(k.item, 11) COLLATE "C" <= ?), 0)::int AS overdue_visits
FROM dashboard_counts k WHERE %s AND strpos(k.item, ':') > 0`

// dated reads the counts of the lists by date for the actor's agency.
func (q query) dated(tx *gorm.DB) (datedCounts, error) {
	cond, args := q.scope.AgencyFilter("k")
	soon, yesterday := q.soon.Format(time.DateOnly), q.today.AddDate(0, 0, -1).Format(time.DateOnly)
	params := append([]any{soon, q.a.UserID, noUser, soon, q.a.UserID, noUser, yesterday}, args...)
	var out datedCounts
	if err := q.raw(tx, fmt.Sprintf(datedCountsSQL, cond), params...).Scan(&out).Error; err != nil {
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
