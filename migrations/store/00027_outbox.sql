-- +goose Up
-- A store's outbox (issue 13): a step that commits in the store writes here, in the same transaction,
-- what the hub must do about it (the packets, the decision, its audit row). The relay delivers each row to
-- the hub, where applied_steps makes a second delivery a no-op, then marks the row done.
CREATE TABLE outbox (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    target     text NOT NULL CHECK (target = 'hub'),
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

-- applied_steps holds the idempotency key of every step a relay applied here from the hub's outbox,
-- written in the transaction of the step's effect.
CREATE TABLE applied_steps (
    key        text PRIMARY KEY,
    applied_at timestamptz NOT NULL
);

-- +goose Down
DROP TABLE applied_steps, outbox;
