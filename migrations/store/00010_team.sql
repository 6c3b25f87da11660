-- +goose Up
-- "Assigned to me" on the case list.
CREATE INDEX cases_assigned_idx ON cases (assigned_user_id, updated_at DESC, id DESC) WHERE assigned_user_id IS NOT NULL;
-- The case list filters by nationality.
CREATE INDEX persons_nationality_idx ON persons (nationality);
-- The case timeline reads a case's audit rows by entity id (any entity), newest first.
CREATE INDEX audit_log_entity_id_idx ON audit_log (entity_id, id);

-- +goose Down
DROP INDEX audit_log_entity_id_idx;
DROP INDEX persons_nationality_idx;
DROP INDEX cases_assigned_idx;
