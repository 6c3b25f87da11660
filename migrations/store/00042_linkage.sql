-- +goose Up
-- person_linkage holds each person's record-linkage encoding (issue 15, docs/linkage.md): a keyed
-- CLK Bloom filter of the romanised names, sex and birth year, and keyed HMACs of the document
-- numbers, under the linkage key the stores share (store_keys, purpose "linkage"). It is refreshed in
-- the transaction of every identity change. The row is also the outbox towards the hub: generation
-- grows with every change, published is the generation the hub holds. encoding NULL means the
-- person may not be encoded (merged away, objection to home-country notice without an override) and
-- the hub must drop what it holds. token is the opaque reference the hub knows the person by
-- (random, unrelated to the person's id).
CREATE TABLE person_linkage (
    person_id   uuid PRIMARY KEY,
    token       uuid NOT NULL UNIQUE DEFAULT gen_random_uuid(),
    agency_id   uuid,
    key_version bigint,
    encoding    bytea,
    probes      bigint[] NOT NULL DEFAULT '{}',
    generation  bigint NOT NULL DEFAULT 1,
    published   bigint NOT NULL DEFAULT 0,
    updated_at  timestamptz NOT NULL,
    CHECK ((encoding IS NULL) = (key_version IS NULL))
);
CREATE INDEX person_linkage_unpublished ON person_linkage (person_id) WHERE published < generation;

-- linkage_overrides records a supervisor's decision to encode a person despite an objection to
-- home-country notice (consent:override), with the reason sealed.
CREATE TABLE linkage_overrides (
    id            uuid PRIMARY KEY,
    case_id       uuid NOT NULL REFERENCES cases (id),
    reason_enc    bytea NOT NULL,
    actor_user_id uuid NOT NULL,
    at            timestamptz NOT NULL
);
CREATE INDEX linkage_overrides_case_idx ON linkage_overrides (case_id);

-- +goose Down
DROP TABLE linkage_overrides, person_linkage;
