-- +goose Up
-- Hub audit rows carry their section too (directory, self, packets, inbox, repatriation): the
-- same row type and hash scheme as the stores' (see migrations/store/00019_audit_section.sql).
ALTER TABLE audit_log ADD COLUMN section text NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE audit_log DROP COLUMN section;
