-- +goose Up
-- audit_log is hash-chained: hash = sha256(prev_hash || canonical row). audit_head holds the chain's end.
CREATE TABLE audit_log (
    id            bigint PRIMARY KEY,
    at            timestamptz NOT NULL,
    actor_user_id uuid,
    actor_agency_id uuid,
    action        text NOT NULL,
    entity        text NOT NULL DEFAULT '',
    entity_id     text NOT NULL DEFAULT '',
    detail        text NOT NULL DEFAULT '',
    prev_hash     bytea NOT NULL,
    hash          bytea NOT NULL
);
CREATE INDEX audit_log_entity_idx ON audit_log (entity, entity_id);

CREATE TABLE audit_head (
    id        integer PRIMARY KEY CHECK (id = 1),
    last_id   bigint NOT NULL,
    last_hash bytea NOT NULL
);
INSERT INTO audit_head (id, last_id, last_hash) VALUES (1, 0, '\x');

-- +goose Down
DROP TABLE audit_head, audit_log;
