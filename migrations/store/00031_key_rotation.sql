-- +goose Up
-- version counts the changes of a store's keysets: `homeward keys rotate` replaces the wrapped AEAD
-- keyset only where the version is the one it read, so two rotations at once never lose a key.
ALTER TABLE keysets
    ADD COLUMN version    integer NOT NULL DEFAULT 1,
    ADD COLUMN rotated_at timestamptz;

-- key_rotations records each rotation of the store's AEAD keyset: the new primary key id and the
-- re-sealing of every sealed column under it. A rotation without finished_at is resumed by the
-- next `homeward keys rotate`; at most one is open at a time.
CREATE TABLE key_rotations (
    id          uuid PRIMARY KEY,
    country     text NOT NULL,
    key_id      bigint NOT NULL,
    version     integer NOT NULL,
    started_at  timestamptz NOT NULL,
    finished_at timestamptz,
    resealed    bigint NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX key_rotations_one_open ON key_rotations (country) WHERE finished_at IS NULL;

-- +goose Down
DROP TABLE key_rotations;
ALTER TABLE keysets DROP COLUMN rotated_at, DROP COLUMN version;
