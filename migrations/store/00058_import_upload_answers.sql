-- +goose Up
-- A checked file that was imported or has expired is kept a day as a tombstone (its content erased)
-- so that the API can answer its owner 409 "already imported or expired" instead of 404 (issue 16
-- item 6). committed_at is set by the import that took the file.
ALTER TABLE import_uploads ADD COLUMN committed_at timestamptz;
ALTER TABLE import_uploads ALTER COLUMN content_enc DROP NOT NULL;

-- +goose Down
DELETE FROM import_uploads WHERE content_enc IS NULL;
ALTER TABLE import_uploads ALTER COLUMN content_enc SET NOT NULL;
ALTER TABLE import_uploads DROP COLUMN committed_at;
