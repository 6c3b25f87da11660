-- +goose Up
-- The auditor's console (internal/auditlog) pages the audit log newest first (keyset on id DESC)
-- under filters by actor, action and time; by case it uses audit_log_entity_id_idx (00010).
CREATE INDEX audit_log_actor_idx ON audit_log (actor_user_id, id) WHERE actor_user_id IS NOT NULL;
CREATE INDEX audit_log_action_idx ON audit_log (action, id);
CREATE INDEX audit_log_at_idx ON audit_log (at);

-- audit_verifications keeps the runs of the chain check started from the console: one row per run,
-- at most one running at a time. It holds no case data.
CREATE TABLE audit_verifications (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    started_at  timestamptz NOT NULL,
    started_by  uuid NOT NULL,
    finished_at timestamptz,
    status      text NOT NULL CHECK (status IN ('running', 'intact', 'broken', 'failed')),
    rows_read   bigint NOT NULL DEFAULT 0,
    broken_id   bigint,
    reason      text NOT NULL DEFAULT '',
    CHECK ((status = 'running') = (finished_at IS NULL))
);
CREATE UNIQUE INDEX audit_verifications_one_running ON audit_verifications ((true)) WHERE status = 'running';

-- +goose Down
DROP TABLE audit_verifications;
DROP INDEX audit_log_at_idx;
DROP INDEX audit_log_action_idx;
DROP INDEX audit_log_actor_idx;
