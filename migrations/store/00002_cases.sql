-- +goose Up
CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- operations are rescue operations (raids) that bring people in.
CREATE TABLE operations (
    id              uuid PRIMARY KEY,
    name            text NOT NULL,
    operation_date  date NOT NULL,
    lead_agency_id  uuid NOT NULL,
    province        text NOT NULL DEFAULT '',
    compound        text NOT NULL DEFAULT '',
    created_at      timestamptz NOT NULL DEFAULT now(),
    version         integer NOT NULL DEFAULT 1
);

-- persons are the people received. Identity-document numbers and contact details are sealed with the
-- store's keyset (*_enc); document_number_bidx is a keyed blind index for exact search.
CREATE TABLE persons (
    id                   uuid PRIMARY KEY,
    given_name           text NOT NULL CHECK (given_name <> ''),
    family_name          text NOT NULL DEFAULT '',
    search_name          text GENERATED ALWAYS AS (lower(given_name || ' ' || family_name)) STORED,
    sex                  text NOT NULL CHECK (sex IN ('female', 'male', 'other', 'unknown')),
    birth_date           date,
    age_estimate         integer CHECK (age_estimate BETWEEN 0 AND 120),
    nationality          text NOT NULL CHECK (nationality ~ '^[A-Z]{2}$'),
    languages            text[] NOT NULL DEFAULT '{}',
    minor                boolean NOT NULL DEFAULT false,
    document_number_enc  bytea,
    document_number_bidx bytea,
    contact_enc          bytea,
    operation_id         uuid REFERENCES operations (id),
    created_at           timestamptz NOT NULL DEFAULT now(),
    updated_at           timestamptz NOT NULL DEFAULT now(),
    version              integer NOT NULL DEFAULT 1
);
CREATE INDEX persons_search_name_trgm ON persons USING gin (search_name gin_trgm_ops);
CREATE INDEX persons_document_bidx ON persons (document_number_bidx) WHERE document_number_bidx IS NOT NULL;
CREATE INDEX persons_operation_idx ON persons (operation_id);

CREATE SEQUENCE case_reference_seq;

-- cases follow one person through the stages. A case is visible to its owner agency and its case team.
CREATE TABLE cases (
    id               uuid PRIMARY KEY,
    reference        text NOT NULL UNIQUE,
    person_id        uuid NOT NULL REFERENCES persons (id),
    owner_agency_id  uuid NOT NULL,
    assigned_user_id uuid,
    stage            text NOT NULL CHECK (stage IN ('reception', 'screening', 'identification', 'recovery',
                                                   'return_preparation', 'handover', 'reintegration', 'closed')),
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    version          integer NOT NULL DEFAULT 1
);
CREATE INDEX cases_owner_updated_idx ON cases (owner_agency_id, updated_at DESC, id DESC);
CREATE INDEX cases_person_idx ON cases (person_id);
CREATE INDEX cases_stage_idx ON cases (stage);
CREATE INDEX cases_updated_idx ON cases (updated_at DESC, id DESC);

CREATE TABLE case_team (
    case_id   uuid NOT NULL REFERENCES cases (id),
    agency_id uuid NOT NULL,
    added_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (case_id, agency_id)
);
CREATE INDEX case_team_agency_idx ON case_team (agency_id, case_id);

-- stage_changes is the history of transitions.
CREATE TABLE stage_changes (
    id            uuid PRIMARY KEY,
    case_id       uuid NOT NULL REFERENCES cases (id),
    from_stage    text NOT NULL,
    to_stage      text NOT NULL,
    reason        text NOT NULL DEFAULT '',
    actor_user_id uuid NOT NULL,
    at            timestamptz NOT NULL
);
CREATE INDEX stage_changes_case_idx ON stage_changes (case_id, at);

-- +goose Down
DROP TABLE stage_changes, case_team, cases, persons, operations;
DROP SEQUENCE case_reference_seq;
