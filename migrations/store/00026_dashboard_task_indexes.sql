-- +goose Up
-- The dashboard's task lists (internal/dashboard/queries.go) read their first rows in list order
-- through these indexes (each list's order is its index's, ending in a unique key; the dashboard
-- transaction turns sorts off so that the planner walks them rather than sorting every match), so a list costs the rows it shows (and the ones its scope and the
-- caseworker's "mine or unassigned" filter pass over), not the store; their totals are summed
-- from dashboard_counts (00025).
-- Decisions returned, by decision date; the "latest decision of the case" check walks the case's
-- decisions newest first.
CREATE INDEX identification_decisions_returned_at_idx ON identification_decisions (decided_at, id) WHERE status = 'returned';
CREATE INDEX identification_decisions_latest_idx ON identification_decisions (case_id, proposed_at DESC, id DESC);
-- Decisions and closure requests waiting, oldest first.
CREATE INDEX identification_decisions_waiting_idx ON identification_decisions (proposed_at, id) WHERE status = 'proposed';
CREATE INDEX closure_requests_waiting_idx ON closure_requests (requested_at, id) WHERE status = 'requested';
-- Open repatriation steps of active cases and scheduled visits, by date (every agency: the scope is
-- the case's).
CREATE INDEX repatriation_steps_due_idx ON repatriation_steps (due_on, case_id, step) WHERE NOT done AND active;
CREATE INDEX follow_up_visits_scheduled_idx ON follow_up_visits (visit_date, id) WHERE status = 'scheduled';

-- +goose Down
DROP INDEX follow_up_visits_scheduled_idx, repatriation_steps_due_idx, closure_requests_waiting_idx,
    identification_decisions_waiting_idx, identification_decisions_latest_idx,
    identification_decisions_returned_at_idx;
