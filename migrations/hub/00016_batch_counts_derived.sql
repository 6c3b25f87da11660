-- +goose Up
-- A handover batch's answers are derived from its packets (issue 13): nothing the user sees is
-- stored twice. The counts go; 'answered' is computed (every packet accepted or declined).
UPDATE handover_batches SET status = 'sent' WHERE status = 'answered';
ALTER TABLE handover_batches
    DROP COLUMN accepted_count, DROP COLUMN declined_count; -- their CHECK goes with them

-- +goose Down
ALTER TABLE handover_batches ADD COLUMN accepted_count integer NOT NULL DEFAULT 0,
    ADD COLUMN declined_count integer NOT NULL DEFAULT 0;
