-- +goose Up
-- import_uploads: a file the bulk import has checked, kept so that "Import" registers the very file
-- checked without a second upload (issue 16). The file is sealed with the store's keys (field
-- import_uploads.content, bound to the row id), belongs to the user and agency that uploaded it for
-- one operation, and lives an hour at most: taken (deleted) by the import, and deleted when
-- expired by the next check of any file.
CREATE TABLE import_uploads (
    id           uuid PRIMARY KEY,
    operation_id uuid        NOT NULL REFERENCES operations (id),
    user_id      uuid        NOT NULL,
    agency_id    uuid        NOT NULL,
    content_enc  bytea       NOT NULL,
    created_at   timestamptz NOT NULL,
    expires_at   timestamptz NOT NULL
);
CREATE INDEX import_uploads_expires_idx ON import_uploads (expires_at);

-- +goose Down
DROP TABLE import_uploads;
