-- +goose Up
-- The hub's outbox (issue 13): a step that commits in the hub writes here, in the same transaction,
-- what a store must do about it (its audit row of the step, ...). The relay delivers each row to its
-- store, where applied_steps makes a second delivery a no-op, then marks the row done.
CREATE TABLE outbox (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    target     text NOT NULL CHECK (target ~ '^[A-Z]{2}$'),
    packet_ids text[] NOT NULL DEFAULT '{}',
    step       text NOT NULL CHECK (step ~ '^[a-z_.]{1,60}$'),
    key        text NOT NULL UNIQUE,
    body       jsonb NOT NULL,
    created_at timestamptz NOT NULL,
    attempts   integer NOT NULL DEFAULT 0,
    next_at    timestamptz NOT NULL,
    last_error text NOT NULL DEFAULT '',
    done_at    timestamptz
);
CREATE INDEX outbox_due_idx ON outbox (target, id) WHERE done_at IS NULL;

-- applied_steps holds the idempotency key of every step a relay applied here from a store's outbox,
-- written in the transaction of the step's effect.
CREATE TABLE applied_steps (
    key        text PRIMARY KEY,
    applied_at timestamptz NOT NULL
);

-- +goose Down
DROP TABLE applied_steps, outbox;
