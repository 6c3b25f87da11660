-- +goose Up
-- hub_keys are the hub's own keysets, one per purpose, each wrapped by the master key with the
-- purpose as associated data. "mfa" seals the TOTP secrets (mfa_totp.secret_enc).
CREATE TABLE hub_keys (
    purpose    text PRIMARY KEY,
    keyset     bytea NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);

-- +goose Down
DROP TABLE hub_keys;
