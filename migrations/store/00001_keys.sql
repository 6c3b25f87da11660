-- +goose Up
-- keysets holds this store's Tink keysets, wrapped by the master key given to the process.
CREATE TABLE keysets (
    country    text PRIMARY KEY,
    aead       bytea NOT NULL,
    mac        bytea NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);

-- +goose Down
DROP TABLE keysets;
