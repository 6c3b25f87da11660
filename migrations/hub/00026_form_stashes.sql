-- +goose Up
-- form_stashes keep, for a few minutes, the input of a form whose session expired before it was sent
-- (issue 16 item 4): sealed with a key that only the user's browser holds (a cookie), bound to the
-- user whose session it was, given back once, to that user only, after they sign in again.
CREATE TABLE form_stashes (
    id_hash    bytea PRIMARY KEY,
    user_id    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    path       text NOT NULL CHECK (path ~ '^/([^/\\]|$)'),
    sealed     bytea NOT NULL,
    created_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL
);
CREATE INDEX form_stashes_expires_idx ON form_stashes (expires_at);

-- +goose Down
DROP TABLE form_stashes;
