-- +goose Up
-- screenings are the screening interview of a case (one per case): who interviewed, through which
-- interpreter, in which language, and the person's narrative, sealed with the store's keyset.
CREATE TABLE screenings (
    id             uuid PRIMARY KEY,
    case_id        uuid NOT NULL REFERENCES cases (id),
    interview_date date NOT NULL,
    interviewer    text NOT NULL CHECK (interviewer <> ''),
    interpreter    text NOT NULL DEFAULT '',
    language       text NOT NULL DEFAULT '',
    narrative_enc  bytea,
    created_by     uuid NOT NULL,
    created_at     timestamptz NOT NULL,
    updated_at     timestamptz NOT NULL,
    version        integer NOT NULL DEFAULT 1
);
CREATE UNIQUE INDEX screenings_case_idx ON screenings (case_id);

-- screening_indicators are the answers to the indicators of DOMAIN.md, one row per indicator; the
-- note is sealed. channels lists how a person recruited online was reached.
CREATE TABLE screening_indicators (
    screening_id uuid NOT NULL REFERENCES screenings (id) ON DELETE CASCADE,
    indicator    text NOT NULL CHECK (indicator IN (
        'deceptive_job_offer', 'recruited_online', 'fees_or_debt', 'travel_arranged_by_recruiter',
        'documents_taken_on_arrival',
        'forced_online_fraud', 'quotas_with_punishment', 'excessive_hours', 'wages_withheld',
        'sold_or_moved', 'ransom_demanded',
        'confinement', 'phone_or_documents_confiscated', 'violence_or_threat', 'torture',
        'sexual_violence', 'threats_against_family', 'isolation')),
    answer       text NOT NULL CHECK (answer IN ('present', 'absent', 'unknown')),
    note_enc     bytea,
    channels     text[] NOT NULL DEFAULT '{}'
        CHECK (channels <@ ARRAY['facebook', 'telegram', 'line', 'whatsapp', 'tiktok', 'other']::text[]),
    PRIMARY KEY (screening_id, indicator),
    CHECK (cardinality(channels) = 0 OR indicator = 'recruited_online')
);

-- screening_events are the timeline of recruitment, transit and exploitation; descriptions are sealed.
CREATE TABLE screening_events (
    id              uuid PRIMARY KEY,
    screening_id    uuid NOT NULL REFERENCES screenings (id) ON DELETE CASCADE,
    position        integer NOT NULL,
    phase           text NOT NULL CHECK (phase IN ('recruitment', 'transit', 'exploitation')),
    place           text NOT NULL DEFAULT '',
    country         char(2) CHECK (country ~ '^[A-Z]{2}$'),
    date_from       date,
    date_to         date,
    description_enc bytea,
    CHECK (date_to IS NULL OR date_from IS NULL OR date_to >= date_from)
);
CREATE INDEX screening_events_screening_idx ON screening_events (screening_id, position);

-- identification_decisions are proposed by a caseworker and approved or returned by a supervisor who
-- is not the proposer; every proposal is kept. At most one proposal per case waits for approval.
-- Other parts rely on this table and these columns (the "pending approval" case filter).
CREATE TABLE identification_decisions (
    id          uuid PRIMARY KEY,
    case_id     uuid NOT NULL REFERENCES cases (id),
    decision    text NOT NULL CHECK (decision IN ('identified', 'not_identified', 'undetermined')),
    legal_basis text NOT NULL DEFAULT '',
    status      text NOT NULL DEFAULT 'proposed' CHECK (status IN ('proposed', 'approved', 'returned')),
    proposed_by uuid NOT NULL,
    proposed_at timestamptz NOT NULL,
    decided_by  uuid,
    decided_at  timestamptz,
    comment     text NOT NULL DEFAULT '',
    version     integer NOT NULL DEFAULT 1,
    CHECK ((status = 'proposed') = (decided_at IS NULL)),
    CHECK (decided_by IS NULL OR decided_by <> proposed_by)
);
CREATE INDEX identification_decisions_case_idx ON identification_decisions (case_id, status);
CREATE UNIQUE INDEX identification_decisions_one_pending ON identification_decisions (case_id)
    WHERE status = 'proposed';

-- +goose Down
DROP TABLE identification_decisions, screening_events, screening_indicators, screenings;
