-- +goose Up
-- Indexes for the aggregate reports: periods of stage changes and decisions, cases by reception.
CREATE INDEX stage_changes_case_to_stage_idx ON stage_changes (case_id, to_stage, at);
CREATE INDEX cases_created_idx ON cases (created_at);
CREATE INDEX identification_decisions_status_idx ON identification_decisions (status, decided_at);
CREATE INDEX identification_decisions_proposed_idx ON identification_decisions (proposed_at) WHERE status = 'proposed';

-- +goose Down
DROP INDEX identification_decisions_proposed_idx, identification_decisions_status_idx, cases_created_idx,
    stage_changes_case_to_stage_idx;
