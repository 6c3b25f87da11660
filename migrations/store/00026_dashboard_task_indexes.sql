-- +goose Up
-- The dashboard's task lists (internal/dashboard/queries.go) read their first rows in list order
-- through these indexes, so a list costs the rows it shows (and the ones its scope and the
-- caseworker's "mine or unassigned" filter pass over), not the store; their totals are summed
-- from dashboard_counts (00025).
-- Decisions returned, by decision date; the "latest decision of the case" check walks the case's
-- decisions newest first.
CREATE INDEX identification_decisions_returned_at_idx ON identification_decisions (decided_at, id) WHERE status = 'returned';
CREATE INDEX identification_decisions_latest_idx ON identification_decisions (case_id, proposed_at DESC, id DESC);
-- Closure requests waiting, oldest first.
CREATE INDEX closure_requests_waiting_idx ON closure_requests (requested_at, id) WHERE status = 'requested';
-- Open repatriation steps of active cases, by deadline (every agency: the scope is the case's).
CREATE INDEX repatriation_steps_due_idx ON repatriation_steps (due_on) WHERE NOT done AND active;

-- +goose Down
DROP INDEX repatriation_steps_due_idx, closure_requests_waiting_idx, identification_decisions_latest_idx,
    identification_decisions_returned_at_idx;
