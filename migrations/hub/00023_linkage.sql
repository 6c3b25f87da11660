-- +goose Up
-- linkage_encodings are the stores' record-linkage encodings (issue 15, docs/linkage.md): no name,
-- date or number, only the encoding (filter, keyed block token, document HMACs), the opaque token
-- the store knows the person by, and the agency that owns the person's case.
-- seq orders the writes of a country's encodings, so that a hub process keeps an index of them in
-- memory and reads only the rows written since (crossmatch/cache.go).
CREATE SEQUENCE linkage_encodings_seq;
CREATE TABLE linkage_encodings (
    country     text NOT NULL CHECK (country ~ '^[A-Z]{2}$'),
    token       uuid NOT NULL,
    agency_id   uuid NOT NULL REFERENCES agencies (id),
    key_version bigint NOT NULL,
    block       bigint NOT NULL,
    encoding    bytea NOT NULL,
    generation  bigint NOT NULL,
    updated_at  timestamptz NOT NULL,
    seq         bigint NOT NULL DEFAULT nextval('linkage_encodings_seq'),
    PRIMARY KEY (country, token)
);
CREATE INDEX linkage_encodings_seq_idx ON linkage_encodings (country, key_version, seq);

-- linkage_candidates are the possible matches the hub found, one row per side: the side's person
-- (country, token), the other side's, the score. A side's supervisor may answer "not the same"
-- (answer, hidden afterwards on that side) or ask the other side (asked_at).
CREATE TABLE linkage_candidates (
    id            uuid PRIMARY KEY,
    country       text NOT NULL,
    token         uuid NOT NULL,
    other_country text NOT NULL,
    other_token   uuid NOT NULL,
    score         real NOT NULL CHECK (score BETWEEN 0 AND 1),
    document      boolean NOT NULL DEFAULT false,
    found_at      timestamptz NOT NULL,
    answer        text CHECK (answer IN ('not_same')),
    answered_by   uuid,
    answered_at   timestamptz,
    asked_by      uuid,
    asked_at      timestamptz,
    packet_id     uuid,
    UNIQUE (country, token, other_country, other_token)
);
CREATE INDEX linkage_candidates_other_idx ON linkage_candidates (other_country, other_token);
CREATE INDEX linkage_candidates_open_idx ON linkage_candidates (country, found_at DESC) WHERE answer IS NULL;

-- +goose Down
DROP TABLE linkage_candidates, linkage_encodings;
DROP SEQUENCE linkage_encodings_seq;
