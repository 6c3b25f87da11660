package dashboard

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"

	"homeward/internal/authz"
)

// query holds what every store query of one dashboard needs.
type query struct {
	scope       authz.Scope
	a           *authz.Actor
	today, soon time.Time
	names       bool
	trace       func(tx *gorm.DB, sql string, args []any) // tests: sees each store query before it runs
}

// raw runs a store query (after the trace, if any).
func (q query) raw(tx *gorm.DB, sql string, args ...any) *gorm.DB {
	if q.trace != nil {
		q.trace(tx, sql, args)
	}
	return tx.Raw(sql, args...)
}

// mine is the condition of the caseworker's own work: cases assigned to them or to nobody.
func (q query) mine() string { return "(c.assigned_user_id = ? OR c.assigned_user_id IS NULL)" }

// taskQuery is one task list: its columns, its FROM and WHERE with one %s (the scope condition,
// followed by the extra condition, if any; the query's own parameters follow the condition's), and
// its order. The list reads the first MaxItems rows in that order through an index; the totals come
// from the summary (counts) or, for the lists by date, from count, which counts the rows of the
// same FROM and WHERE.
type taskQuery struct{ cols, from, order string }

func (t taskQuery) list() string {
	return "SELECT c.id AS case_id, c.reference, " + t.cols + " " + t.from + " ORDER BY " + t.order +
		fmt.Sprintf(" LIMIT %d", MaxItems)
}

var (
	screeningsQ = taskQuery{cols: `NULL::date AS due, '' AS what, '' AS item_id`,
		from: `FROM cases c
WHERE c.stage = 'screening' AND NOT EXISTS (SELECT 1 FROM screenings s WHERE s.case_id = c.id) AND %s`,
		order: `c.updated_at, c.id`}

	// returnedQ: the case's latest decision was returned (no proposal or decision after it).
	returnedQ = taskQuery{cols: `d.decided_at::date AS due, d.decision AS what, d.id::text AS item_id`,
		from: `FROM identification_decisions d JOIN cases c ON c.id = d.case_id
WHERE d.status = 'returned' AND c.stage = 'identification'
  AND d.id = (SELECT n.id FROM identification_decisions n WHERE n.case_id = d.case_id
              ORDER BY n.proposed_at DESC, n.id DESC LIMIT 1) AND %s`,
		order: `d.decided_at, d.id`}

	deadlinesQ = taskQuery{cols: `s.due_on AS due, s.step AS what, '' AS item_id`,
		from: `FROM repatriation_steps s JOIN cases c ON c.id = s.case_id
WHERE NOT s.done AND s.active AND c.stage IN ('recovery', 'return_preparation') AND %s AND s.due_on <= ?`,
		order: `s.due_on, s.case_id, s.step`}

	visitsQ = taskQuery{cols: `v.visit_date AS due, v.location_kind AS what, v.id::text AS item_id`,
		from: `FROM follow_up_visits v JOIN cases c ON c.id = v.case_id
WHERE v.status = 'scheduled' AND c.stage <> 'closed' AND %s AND v.visit_date <= ?`,
		order: `v.visit_date, v.id`}

	decisionsQ = taskQuery{cols: `d.proposed_at::date AS due, d.decision AS what, d.id::text AS item_id`,
		from: `FROM identification_decisions d JOIN cases c ON c.id = d.case_id
WHERE d.status = 'proposed' AND %s`,
		order: `d.proposed_at, d.id`}

	closuresQ = taskQuery{cols: `r.requested_at::date AS due, r.reason AS what, r.id::text AS item_id`,
		from: `FROM closure_requests r JOIN cases c ON c.id = r.case_id
WHERE r.status = 'requested' AND %s`,
		order: `r.requested_at, r.id`}
)

const namesSQL = `SELECT c.id, btrim(p.given_name || ' ' || p.family_name) AS name
FROM cases c JOIN persons p ON p.id = c.person_id WHERE c.id IN ?`

// names fills in the persons' names of the tasks shown, for an actor with the identity section.
func (q query) fillNames(tx *gorm.DB, lists ...*TaskList) error {
	if !q.names {
		return nil
	}
	ids := []string{}
	for _, l := range lists {
		for _, t := range l.Items {
			if t.CaseID != "" {
				ids = append(ids, t.CaseID)
			}
		}
	}
	if len(ids) == 0 {
		return nil
	}
	var rows []struct{ ID, Name string }
	if err := q.raw(tx, namesSQL, ids).Scan(&rows).Error; err != nil {
		return fmt.Errorf("dashboard names: %w", err)
	}
	byID := make(map[string]string, len(rows))
	for _, r := range rows {
		byID[r.ID] = r.Name
	}
	for _, l := range lists {
		for i := range l.Items {
			l.Items[i].Name = byID[l.Items[i].CaseID]
		}
	}
	return nil
}

// taskRow is a row of a task query.
type taskRow struct {
	CaseID, Reference, What, ItemID string
	Due                             *time.Time
	Total                           int
}

// condition is the scope condition, then the extra condition extra (with the actor's id) if given.
func (q query) condition(extra string) (string, []any) {
	cond, args := q.scope.CaseFilter("c")
	if extra != "" {
		cond += " AND " + extra
		args = append(args, q.a.UserID)
	}
	return cond, args
}

// tasks lists the first tasks of t (condition as for condition, then t's own parameters), with
// total, the count of the whole list.
func (q query) tasks(tx *gorm.DB, t taskQuery, total int, extra string, params ...any) (TaskList, error) {
	out := TaskList{Total: total, Items: []Task{}}
	if total == 0 { // the summary counts none: nothing to list
		return out, nil
	}
	cond, args := q.condition(extra)
	var rows []taskRow
	if err := q.raw(tx, fmt.Sprintf(t.list(), cond), append(args, params...)...).Scan(&rows).Error; err != nil {
		return TaskList{}, fmt.Errorf("dashboard tasks: %w", err)
	}
	for _, r := range rows {
		out.Items = append(out.Items, Task{CaseID: r.CaseID, Reference: r.Reference, What: r.What,
			Due: r.Due, Overdue: r.Due != nil && r.Due.Before(q.today), ItemID: r.ItemID})
	}
	return out, nil
}

// pendingPacketsSQL lists the packets of the actor's agency waiting for a supervisor's approval.
const pendingPacketsSQL = `SELECT p.id::text AS item_id, p.case_ref AS reference, p.kind AS what, p.created_at AS due,
  count(*) OVER () AS total
FROM packets p WHERE p.sender_agency_id = ? AND p.status = 'pending_approval'
ORDER BY p.created_at, p.id LIMIT ?`

// pendingPackets lists them with the case each belongs to in the actor's store (tx).
func (s *Service) pendingPackets(ctx context.Context, tx *gorm.DB, a *authz.Actor) (TaskList, error) {
	var rows []taskRow
	if err := s.hub.WithContext(ctx).Raw(pendingPacketsSQL, a.AgencyID, MaxItems).Scan(&rows).Error; err != nil {
		return TaskList{}, fmt.Errorf("packets waiting: %w", err)
	}
	out := TaskList{Items: make([]Task, 0, len(rows))}
	ids := make([]string, 0, len(rows))
	for _, r := range rows {
		ids = append(ids, r.ItemID)
	}
	caseOf := map[string]string{}
	if len(ids) > 0 {
		var links []struct{ PacketID, CaseID string }
		if err := tx.Raw(`SELECT packet_id, case_id FROM case_packets WHERE packet_id IN ?`, ids).Scan(&links).Error; err != nil {
			return TaskList{}, fmt.Errorf("packets waiting: cases: %w", err)
		}
		for _, l := range links {
			caseOf[l.PacketID] = l.CaseID
		}
	}
	for _, r := range rows {
		out.Total = r.Total
		out.Items = append(out.Items, Task{CaseID: caseOf[r.ItemID], Reference: r.Reference, What: r.What, Due: r.Due, ItemID: r.ItemID})
	}
	return out, nil
}

// inboxSQL counts the packets addressed to the actor's agency by status (replies are applied by the
// exchange, not read by people).
const inboxSQL = `SELECT p.status, count(*) AS count FROM packets p
WHERE p.recipient_agency_id = ? AND p.kind <> 'reply' AND p.status <> 'pending_approval'
GROUP BY p.status ORDER BY p.status`

func (s *Service) inbox(ctx context.Context, a *authz.Actor) (*Inbox, error) {
	out := &Inbox{ByStatus: []StatusCount{}}
	if err := s.hub.WithContext(ctx).Raw(inboxSQL, a.AgencyID).Scan(&out.ByStatus).Error; err != nil {
		return nil, fmt.Errorf("inbox counts: %w", err)
	}
	for _, c := range out.ByStatus {
		out.Total += c.Count
	}
	return out, nil
}
