-- +goose Up
-- notes are free-text case notes by class; each class is gated by its own section (general: notes,
-- psychosocial, medical, investigation). The body is sealed with the store's keyset (field
-- "notes.body", row = note id).
CREATE TABLE notes (
    id         uuid PRIMARY KEY,
    case_id    uuid NOT NULL REFERENCES cases (id),
    class      text NOT NULL CHECK (class IN ('general', 'psychosocial', 'medical', 'investigation')),
    body_enc   bytea NOT NULL,
    author_id  uuid NOT NULL,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    version    integer NOT NULL DEFAULT 1
);
CREATE INDEX notes_case_class_idx ON notes (case_id, class, created_at DESC, id DESC);

-- attachments hold the metadata of files attached to a case. The content itself is sealed with the
-- store's keyset (field "attachments.content", row = attachment id) and kept in object storage under
-- storage_key; content_type is detected from the bytes, sha256 is of the plain content.
CREATE TABLE attachments (
    id           uuid PRIMARY KEY,
    case_id      uuid NOT NULL REFERENCES cases (id),
    kind         text NOT NULL CHECK (kind IN ('photo', 'scanned_document', 'signed_form')),
    filename     text NOT NULL CHECK (filename <> ''),
    content_type text NOT NULL CHECK (content_type IN ('image/jpeg', 'image/png', 'application/pdf')),
    size         bigint NOT NULL CHECK (size > 0),
    sha256       text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    storage_key  text NOT NULL UNIQUE,
    uploaded_by  uuid NOT NULL,
    created_at   timestamptz NOT NULL
);
CREATE INDEX attachments_case_idx ON attachments (case_id, created_at DESC, id DESC);

-- +goose Down
DROP TABLE attachments, notes;
