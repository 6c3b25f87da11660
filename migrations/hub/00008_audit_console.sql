-- +goose Up
-- The auditor's console reads the hub's log of a country's agencies and their users, newest first.
CREATE INDEX audit_log_actor_agency_idx ON audit_log (actor_agency_id, id) WHERE actor_agency_id IS NOT NULL;
CREATE INDEX audit_log_actor_user_idx ON audit_log (actor_user_id, id) WHERE actor_user_id IS NOT NULL;

-- +goose Down
DROP INDEX audit_log_actor_user_idx;
DROP INDEX audit_log_actor_agency_idx;
